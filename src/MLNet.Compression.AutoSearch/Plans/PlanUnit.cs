namespace MLNet.Compression.AutoSearch.Plans;

/// <summary>One unit of a plan: the layers that share a setting (one layer, or a block's attention or feed-forward layers).</summary>
/// <param name="Name">the unit's name, the prefix of its parameters ("bert.encoder.layer.0.attention.self.query", "block3.ffn")</param>
/// <param name="Layers">names of its linear layers</param>
/// <param name="Parameters">weights in its layers</param>
public sealed record PlanUnit(string Name, IReadOnlyList<string> Layers, long Parameters);
