using Spectre.Console;

namespace MLNet.Compression.Cli;

/// <summary>How the tool writes when its output goes to a file or a pipe instead of a terminal.</summary>
internal static class ConsoleSetup
{
    /// <summary>Columns a table may use when piped: wide enough that Hugging Face layer names never wrap.</summary>
    public const int PipedWidth = 240;

    /// <summary>
    /// Redirected output gets no ANSI escapes or colours (a log file or the next program should read plain text) and a wide
    /// fixed width (Spectre.Console would otherwise assume 80 columns and wrap layer names inside table cells).
    /// </summary>
    public static void ForRedirectedOutput()
    {
        if (!Console.IsOutputRedirected) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        AnsiConsole.Profile.Width = PipedWidth;
    }
}
