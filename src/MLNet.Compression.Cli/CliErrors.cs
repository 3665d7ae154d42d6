using MLNet.Compression.IO;
using Spectre.Console;

namespace MLNet.Compression.Cli;

/// <summary>
/// Turns the errors a user can cause (bad files, bad arguments) into one readable line and exit code 1;
/// anything else is a bug and keeps its stack trace.
/// </summary>
public static class CliErrors
{
    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is CheckpointException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or ArgumentException or InvalidOperationException or FormatException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    public static string Escape(string s) => Markup.Escape(s);
}
