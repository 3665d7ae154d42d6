using MLNet.Compression.Export.Gguf;
using MLNet.Compression.Modeling;
using MLNet.Compression.Quantization;

namespace MLNet.Compression.Tests.Export.Gguf;

/// <summary>Checks that k-bit layers were written on their own grid: every code exact, every scale its fp16 rounding.</summary>
internal static class GgufGridChecks
{
    /// <summary>
    /// For each k-bit linear layer of a llama model, the dequantized values read back from the file equal
    /// (code − zero)·fp16(scale) computed from the <see cref="KBitWeight"/>'s own codes (Q4_1: code·fp16(s) + fp16(−z·s)),
    /// bit for bit, after the exporter's row permutation.
    /// </summary>
    public static void AssertGridsExact(LanguageModel model, string path)
    {
        var file = GgufReader.Open(path);
        var cfg = ((MLNet.Compression.Modeling.Llama.LlamaForCausalLM)model).LlamaConfig;
        int checkedLayers = 0;
        foreach (var l in model.Linears)
        {
            if (l.Weight is not KBitWeight k) continue;
            string gguf = GgufName(l.Name);
            var info = file.Tensor(gguf + ".weight");
            var back = file.ReadFloat32(gguf + ".weight"); // [out, in] in the file's row order
            var expected = new float[(long)k.OutFeatures * k.InFeatures];
            for (int o = 0; o < k.OutFeatures; o++)
                for (int c = 0; c < k.InFeatures; c++)
                {
                    int g = c / k.GroupSize;
                    float s = (float)(Half)k.Scale(o, g), z = k.Zero(o, g);
                    int q = k.Code(o, c);
                    expected[(long)o * k.InFeatures + c] = info.Type == GgmlType.Q4_1 ? q * s + (float)(Half)(-z * k.Scale(o, g)) : (q - z) * s;
                }
            if (l.Name.EndsWith("q_proj", StringComparison.Ordinal)) expected = GgufExporter.RotaryHalvesToPairs(expected, cfg.Heads, cfg.HeadDim);
            if (l.Name.EndsWith("k_proj", StringComparison.Ordinal)) expected = GgufExporter.RotaryHalvesToPairs(expected, cfg.KvHeads, cfg.HeadDim);
            Assert.Equal(expected.Length, back.Length);
            for (int i = 0; i < back.Length; i++)
                if (BitConverter.SingleToInt32Bits(back[i]) != BitConverter.SingleToInt32Bits(expected[i]) && back[i] != expected[i])
                    Assert.Fail($"{gguf}: value {i} is {back[i]} in the file, {expected[i]} on the layer's grid.");
            checkedLayers++;
        }
        Assert.True(checkedLayers > 0, "no k-bit layer to check");
    }

    private static string GgufName(string hf)
    {
        var parts = hf.Split('.'); // model.layers.{i}.self_attn.q_proj
        string i = parts[2], what = parts[^1];
        string name = what switch
        {
            "q_proj" => "attn_q", "k_proj" => "attn_k", "v_proj" => "attn_v", "o_proj" => "attn_output",
            "gate_proj" => "ffn_gate", "up_proj" => "ffn_up", "down_proj" => "ffn_down",
            _ => throw new ArgumentException(hf),
        };
        return $"blk.{i}.{name}";
    }
}
