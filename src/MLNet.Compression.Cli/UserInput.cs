namespace MLNet.Compression.Cli;

/// <summary>
/// Wraps one library call that reads or validates what the user gave (a recipe, a plan, a grid, a data file, an output
/// location). The library reports such mistakes with general exception types, which elsewhere would mean a bug, so only
/// the narrow call is translated into a <see cref="UsageException"/>, keeping the library's message.
/// </summary>
public static class UserInput
{
    /// <summary>Runs <paramref name="read"/>, turning the exceptions bad user input raises into <see cref="UsageException"/>.</summary>
    public static T Check<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsInputError(e))
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>Runs <paramref name="action"/>, turning the exceptions bad user input raises into <see cref="UsageException"/>.</summary>
    public static void Check(Action action) => Check(() => { action(); return 0; });

    // IOException covers FileNotFoundException, DirectoryNotFoundException and the refusals of AtomicFolder/AtomicFile;
    // InvalidDataException is the library's "this file is malformed".
    private static bool IsInputError(Exception e)
        => e is ArgumentException or InvalidDataException or FormatException or IOException or UnauthorizedAccessException;
}
