namespace MLNet.Compression.Cli.Output;

/// <summary>Byte counts as people read them in tables: B, KiB, MiB or GiB.</summary>
internal static class ByteSize
{
    /// <summary>Formats <paramref name="b"/> bytes with the largest binary unit it reaches.</summary>
    public static string Format(long b) => b switch
    {
        >= 1L << 30 => $"{b / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{b / (double)(1L << 20):F2} MiB",
        >= 1L << 10 => $"{b / 1024.0:F1} KiB",
        _ => $"{b} B",
    };
}
