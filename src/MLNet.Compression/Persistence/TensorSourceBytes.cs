using MLNet.Compression.IO;

namespace MLNet.Compression.Persistence;

/// <summary>Raw reads for <see cref="Modeling.WeightReader"/>s, whatever <see cref="ITensorSource"/> they are handed.</summary>
public static class TensorSourceBytes
{
    /// <summary>A copy of the bytes of <paramref name="key"/>, checked to be stored as <paramref name="dtype"/>.</summary>
    public static byte[] ReadBytes(this ITensorSource source, string key, SafeTensorDType dtype) => source switch
    {
        CompressedModelTensors c => c.Bytes(key, dtype).ToArray(),
        SafeTensorsCheckpoint s => s.FileOf(key).Info(key).DType == dtype ? s.FileOf(key).Bytes(key).ToArray()
            : throw new CheckpointException(s.Describe(key), key, $"stored as {s.FileOf(key).Info(key).DType.Name()}, expected {dtype.Name()}."),
        _ => throw new NotSupportedException($"{source.Location} holds float tensors only; '{key}' cannot be read as {dtype.Name()}."),
    };
}
