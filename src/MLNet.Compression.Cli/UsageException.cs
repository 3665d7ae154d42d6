namespace MLNet.Compression.Cli;

/// <summary>
/// A mistake in what the user gave the tool (an option value, a recipe, a plan, a data file, an output path): printed as
/// one line and <see cref="CliErrors.UsageExitCode"/>, never as a stack trace.
/// </summary>
public sealed class UsageException : Exception
{
    /// <summary>Creates the error; <paramref name="message"/> names the option or file and what was expected.</summary>
    public UsageException(string message) : base(message) { }

    /// <summary>Creates the error for a lower-level exception raised by the user's input, keeping it as the cause.</summary>
    public UsageException(string message, Exception inner) : base(message, inner) { }
}
