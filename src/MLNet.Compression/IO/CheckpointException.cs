namespace MLNet.Compression.IO;

/// <summary>
/// A model file that cannot be used as it is. The message always names the file, the key or field, and what was expected,
/// so a user can fix the input without reading a stack trace.
/// </summary>
public class CheckpointException : IOException
{
    public CheckpointException(string path, string? key, string problem)
        : base(key is null ? $"{path}: {problem}" : $"{path}: '{key}': {problem}")
    {
        FilePath = path;
        Key = key;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }

    /// <summary>The tensor name or config field at fault, when there is one.</summary>
    public string? Key { get; }
}
