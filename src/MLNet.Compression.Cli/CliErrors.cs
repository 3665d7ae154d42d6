using MLNet.Compression.Evaluation;
using MLNet.Compression.IO;
using MLNet.Compression.Tokenization;
using Spectre.Console;

namespace MLNet.Compression.Cli;

/// <summary>
/// Turns the errors a user can cause into one readable line and <see cref="UsageExitCode"/>. Only the project's own
/// user-error types are caught; anything else is a bug and propagates with its stack trace.
/// </summary>
public static class CliErrors
{
    /// <summary>
    /// The exit code of every usage error: bad options (also those System.CommandLine rejects while parsing), bad files,
    /// bad output locations. 0 is success; a crash (a bug) ends the process through .NET's unhandled-exception path instead.
    /// </summary>
    public const int UsageExitCode = 1;

    /// <summary>Runs a command's action, printing a user error as <c>error: message</c> on stderr.</summary>
    public static int Run(Func<int> action) => Run(action, Console.Error);

    /// <summary>Runs a command's action, printing a user error as <c>error: message</c> on <paramref name="stderr"/>.</summary>
    public static int Run(Func<int> action, TextWriter stderr)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserError(e))
        {
            stderr.WriteLine($"error: {e.Message}");
            return UsageExitCode;
        }
    }

    /// <summary>Whether <paramref name="e"/> is one of the types that describe a user's mistake rather than a bug.</summary>
    public static bool IsUserError(Exception e)
        => e is UsageException or CheckpointException or TokenizerLoadException or EvaluationDataException;

    /// <summary>Escapes Spectre.Console markup in text that comes from the user or from files.</summary>
    public static string Escape(string s) => Markup.Escape(s);
}
