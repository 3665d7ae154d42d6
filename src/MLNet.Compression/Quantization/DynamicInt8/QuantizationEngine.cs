namespace MLNet.Compression.Quantization;

/// <summary>
/// The PyTorch quantized engine whose arithmetic a dynamic int8 layer reproduces. They differ only in how activations are
/// quantized and how the int32 accumulator becomes float (../shared/fixtures/ops/README.json records the evidence).
/// </summary>
public enum QuantizationEngine
{
    /// <summary>
    /// x86 pip builds' default. Activations use 7 bits (reduce_range=True, which torch.ao's dynamic Linear always passes);
    /// quantized as round(fma(x, 1/scale, zp)) (fbgemm QuantizeAvx2, LEGACY); y = float(acc)·(sx·sw) + b
    /// (fbgemm ReQuantizeForFloat). No fixture: the recording machine's torch had no fbgemm.
    /// </summary>
    Fbgemm,

    /// <summary>
    /// oneDNN (ideep): 7-bit activations (honours reduce_range); scales kept as reciprocals, bias pre-scaled:
    /// y = (float(acc) + b·(1/sx · 1/sw)) · 1/(1/sx · 1/sw). Bit-exact against the fixture.
    /// </summary>
    Onednn,

    /// <summary>QNNPACK: full 8-bit activations (it ignores reduce_range); y = float(acc)·(sx·sw) + b. Bit-exact against the fixture.</summary>
    Qnnpack,
}
