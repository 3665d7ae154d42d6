using System.Diagnostics;

namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// A worker's name in the store: "host/pid/nonce". The host and process id let a worker on the same machine see at once
/// that another worker's process is gone (killed with -9) instead of waiting for its heartbeat to expire; the nonce keeps
/// two workers of one process (or a reused pid) apart.
/// </summary>
public static class WorkerId
{
    /// <summary>A new id for a worker of this process.</summary>
    public static string New() => $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>True when <paramref name="worker"/> names a process on this host that no longer runs.</summary>
    public static bool IsDeadOnThisHost(string? worker)
    {
        if (worker is null) return false;
        var parts = worker.Split('/');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], out int pid)) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited;
        }
        catch (ArgumentException) { return true; }
        catch (InvalidOperationException) { return true; }
    }
}
