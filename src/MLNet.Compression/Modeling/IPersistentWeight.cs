using MLNet.Compression.IO;

namespace MLNet.Compression.Modeling;

/// <summary>
/// A weight form that can be written into a compressed model file: its tensors go under <c>prefix</c> (the layer's key,
/// e.g. "bert.encoder.layer.0.attention.self.query.weight" + ".qweight"), and what is needed to read them back goes into
/// the returned metadata, which the manifest stores beside <see cref="IWeight.Format"/>.
/// </summary>
public interface IPersistentWeight : IWeight
{
    IReadOnlyDictionary<string, string> Save(SafeTensorsWriter writer, string prefix);
}
