namespace MLNet.Compression.Evaluation.Bias;

/// <summary>
/// A bias data file (CrowS-Pairs CSV, StereoSet JSON/CSV, SEAT JSONL) that cannot be read as the metric expects.
/// The message names the file, the 1-based line where known, and what was expected.
/// </summary>
/// <remarks>Named apart from the generic evaluation exception so branches do not clash; the two will be unified.</remarks>
public sealed class BiasDataException : IOException
{
    public BiasDataException(string path, int? line, string problem)
        : base(line is int l ? $"{path}, line {l}: {problem}" : $"{path}: {problem}")
    {
        Path = path;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file that was being read.</summary>
    public string Path { get; }

    /// <summary>1-based line number in the file, when the problem belongs to one line.</summary>
    public int? Line { get; }

    /// <summary>What was wrong, without the location.</summary>
    public string Problem { get; }
}
