using System.Globalization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Peak resident memory of this process as Linux counts it (VmHWM in /proc/self/status), with a reset so that one
/// phase of a long benchmark can be measured on its own, and the managed heap as the GC sees it.
/// </summary>
internal static class PeakMemory
{
    /// <summary>
    /// Starts a new peak from the current resident set (writing 5 to /proc/self/clear_refs, Linux 4.0 and later);
    /// false where that is not possible, in which case <see cref="PeakResidentBytes"/> covers the whole process.
    /// </summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>VmHWM: the largest resident set since the process started or since the last <see cref="Reset"/>; null off Linux.</summary>
    public static long? PeakResidentBytes() => StatusField("VmHWM:");

    /// <summary>VmRSS: the resident set now; null off Linux.</summary>
    public static long? ResidentBytes() => StatusField("VmRSS:");

    /// <summary>Managed heap after a full blocking collection: what the run still holds once its garbage is gone.</summary>
    public static long LiveManagedBytes() => GC.GetTotalMemory(forceFullCollection: true);

    /// <summary>The managed heap's size (live objects and fragmentation) at the end of the most recent collection.</summary>
    public static long HeapSizeAtLastGc() => GC.GetGCMemoryInfo(GCKind.Any).HeapSizeBytes;

    public static string MiB(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    private static long? StatusField(string name)
    {
        if (!File.Exists("/proc/self/status")) return null;
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                // "VmHWM:	  123456 kB"
                var parts = line[name.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        return null;
    }
}
