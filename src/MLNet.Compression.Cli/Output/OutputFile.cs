namespace MLNet.Compression.Cli.Output;

/// <summary>
/// The rules for a file a command writes (-o/--out): like output folders, an existing file is replaced only when it is
/// empty or recognisably an earlier output of the same command, so a mistyped path never overwrites a user's file; and a
/// location that cannot be written is a usage error naming the path the user gave.
/// </summary>
internal static class OutputFile
{
    /// <summary>Refuses <paramref name="path"/> when something other than an earlier <paramref name="what"/> is there.</summary>
    /// <param name="path">the output path as the user gave it</param>
    /// <param name="what">what the command writes, for the message ("perplexity JSON")</param>
    /// <param name="isEarlierOutput">recognises a file this command wrote before</param>
    public static void CheckReplaceable(string path, string what, Func<string, bool> isEarlierOutput)
    {
        if (Directory.Exists(path)) throw new UsageException($"{path}: a folder is in the way; the output must be a file.");
        if (!File.Exists(path)) return;
        bool earlier;
        try { earlier = new FileInfo(path).Length == 0 || isEarlierOutput(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { earlier = false; }
        if (!earlier)
            throw new UsageException($"{path}: the file exists and is not an earlier {what}; choose a new output file or delete this one.");
    }

    /// <summary>
    /// Checks <paramref name="path"/> with <see cref="CheckReplaceable"/>, then runs <paramref name="write"/>, which writes it
    /// atomically; a failure to create the file becomes a one-line usage error.
    /// </summary>
    public static void Write(string path, string what, Func<string, bool> isEarlierOutput, Action write)
    {
        CheckReplaceable(path, what, isEarlierOutput);
        ReportWriteErrors(write);
    }

    /// <summary>
    /// Runs <paramref name="write"/>, which creates a file or folder the user named; an output location that cannot be
    /// written (the library names it in the message) becomes a one-line usage error.
    /// </summary>
    public static void ReportWriteErrors(Action write)
    {
        try { write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UsageException(e.Message, e); }
    }
}
