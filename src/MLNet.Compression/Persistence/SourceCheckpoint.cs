namespace MLNet.Compression.Persistence;

/// <summary>A checkpoint a compressed model was made from, identified by content (docs/FORMATS.md, "source").</summary>
/// <param name="Path">where it was read from when the model was saved (informative only)</param>
/// <param name="Sha256">SHA-256 of the sha256sum-style listing of <paramref name="Files"/> (see <see cref="CheckpointFingerprint"/>)</param>
/// <param name="Files">config.json and the weight files, in ordinal name order</param>
public sealed record SourceCheckpoint(string Path, string Sha256, IReadOnlyList<SourceFile> Files);
