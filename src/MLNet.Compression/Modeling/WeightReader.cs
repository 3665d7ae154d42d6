using MLNet.Compression.IO;

namespace MLNet.Compression.Modeling;

/// <summary>Reads one weight form back from a compressed model file.</summary>
/// <param name="file">the model's tensors</param>
/// <param name="prefix">the same prefix the weight was saved under</param>
/// <param name="metadata">what <see cref="IPersistentWeight.Save"/> returned</param>
public delegate IWeight WeightReader(ITensorSource file, string prefix, IReadOnlyDictionary<string, string> metadata);
