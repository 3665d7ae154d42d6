namespace MLNet.Compression.Evaluation;

/// <summary>
/// An evaluation data file (LAMA facts, CrowS-Pairs CSV, StereoSet JSON, SEAT tests, a text file) that cannot be used as it
/// is. The message names the file, the 1-based line when there is one, and what was expected, so a user can fix the input
/// without reading a stack trace.
/// </summary>
public class EvaluationDataException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file at fault.</param>
    /// <param name="line">The 1-based line at fault, or null when the problem is the whole file.</param>
    /// <param name="problem">What is wrong and what was expected.</param>
    public EvaluationDataException(string path, int? line, string problem)
        : base(line is null ? $"{path}: {problem}" : $"{path}:{line}: {problem}")
    {
        FilePath = path;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line at fault, or null when the problem is the whole file.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, without the file and line.</summary>
    public string Problem { get; }
}
