namespace MLNet.Compression.Persistence;

/// <summary>One file of a source checkpoint with its size and SHA-256 (lower-case hex, as sha256sum prints it).</summary>
public sealed record SourceFile(string Name, long Bytes, string Sha256);
