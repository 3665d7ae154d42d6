using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Modeling.Llama;

/// <summary>
/// Reads a llama2.c checkpoint (Karpathy's run.c "legacy" float32 format) into the Llama family under Hugging Face key names.
/// Layout: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size — negative means an unshared classifier —, seq_len),
/// then float32 token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis_real, freq_cis_imag, [wcls].
/// llama2.c rotates interleaved channel pairs while Hugging Face's Llama rotates halves, so wq and wk are permuted as
/// transformers' convert_llama_weights_to_hf.py does.
/// </summary>
public static class Llama2CCheckpoint
{
    private const int HeaderBytes = 7 * 4;

    /// <summary>A .bin file whose header is consistent with its size.</summary>
    public static bool LooksLikeOne(string path)
    {
        if (!path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || !File.Exists(path)) return false;
        try { return Expected(ReadHeader(path)) == new FileInfo(path).Length; }
        catch (CheckpointException) { return false; }
    }

    /// <summary>The llama2.c checkpoint in a folder without config.json (any .bin other than the tokenizer).</summary>
    public static string? FindIn(string folder)
        => Directory.GetFiles(folder, "*.bin").Order(StringComparer.Ordinal).FirstOrDefault(LooksLikeOne);

    private readonly record struct Header(int Dim, int Hidden, int Layers, int Heads, int KvHeads, int Vocab, bool Shared, int SeqLen);

    private static Header ReadHeader(string path)
    {
        using var fs = File.OpenRead(path);
        if (fs.Length < HeaderBytes) throw new CheckpointException(path, null, $"truncated: {fs.Length} bytes, a llama2.c header needs {HeaderBytes}.");
        var buf = new byte[HeaderBytes];
        fs.ReadExactly(buf);
        int F(int i) => BitConverter.ToInt32(buf, i * 4);
        var h = new Header(F(0), F(1), F(2), F(3), F(4), Math.Abs(F(5)), F(5) > 0, F(6));
        if (h.Dim <= 0 || h.Hidden <= 0 || h.Layers <= 0 || h.Heads <= 0 || h.KvHeads <= 0 || h.Vocab <= 0 || h.SeqLen <= 0
            || h.Dim % h.Heads != 0 || h.Heads % h.KvHeads != 0)
            throw new CheckpointException(path, "header", $"implausible llama2.c header (dim {h.Dim}, hidden_dim {h.Hidden}, n_layers {h.Layers}, n_heads {h.Heads}, n_kv_heads {h.KvHeads}, vocab {h.Vocab}, seq_len {h.SeqLen}).");
        return h;
    }

    private static long Expected(Header h)
    {
        long hd = h.Dim / h.Heads, kv = hd * h.KvHeads;
        long floats = (long)h.Vocab * h.Dim
            + h.Layers * (2L * h.Dim + (long)h.Dim * h.Dim * 2 + 2L * kv * h.Dim + 3L * h.Hidden * h.Dim)
            + h.Dim + h.SeqLen * hd
            + (h.Shared ? 0 : (long)h.Vocab * h.Dim);
        return HeaderBytes + floats * 4;
    }

    public static LanguageModel Load(string path)
    {
        var h = ReadHeader(path);
        long expected = Expected(h), actual = new FileInfo(path).Length;
        if (actual != expected)
            throw new CheckpointException(path, null, $"{actual} bytes, but the header (dim {h.Dim}, {h.Layers} layers, vocab {h.Vocab}) implies {expected}.");
        int hd = h.Dim / h.Heads, kvDim = hd * h.KvHeads;
        var src = new InMemoryTensorSource(path);
        using var reader = new BinaryReader(File.OpenRead(path));
        reader.BaseStream.Position = HeaderBytes;
        float[] Read(long n)
        {
            var bytes = reader.ReadBytes(checked((int)(n * 4)));
            var f = new float[n];
            Buffer.BlockCopy(bytes, 0, f, 0, bytes.Length);
            return f;
        }
        float[][] PerLayer(long n) => Enumerable.Range(0, h.Layers).Select(_ => Read(n)).ToArray();

        var embed = Read((long)h.Vocab * h.Dim);
        var rmsAtt = PerLayer(h.Dim);
        var wq = PerLayer((long)h.Dim * h.Dim);
        var wk = PerLayer((long)kvDim * h.Dim);
        var wv = PerLayer((long)kvDim * h.Dim);
        var wo = PerLayer((long)h.Dim * h.Dim);
        var rmsFfn = PerLayer(h.Dim);
        var w1 = PerLayer((long)h.Hidden * h.Dim);
        var w2 = PerLayer((long)h.Dim * h.Hidden);
        var w3 = PerLayer((long)h.Hidden * h.Dim);
        var rmsFinal = Read(h.Dim);
        Read((long)h.SeqLen * hd); // freq_cis_real: recomputed from rope_theta instead
        float[] wcls = h.Shared ? embed : Read((long)h.Vocab * h.Dim);

        src.Add("model.embed_tokens.weight", embed, h.Vocab, h.Dim);
        for (int i = 0; i < h.Layers; i++)
        {
            string p = $"model.layers.{i}";
            src.Add($"{p}.input_layernorm.weight", rmsAtt[i], h.Dim);
            src.Add($"{p}.self_attn.q_proj.weight", InterleavedToHalves(wq[i], h.Heads, h.Dim, h.Dim), h.Dim, h.Dim);
            src.Add($"{p}.self_attn.k_proj.weight", InterleavedToHalves(wk[i], h.KvHeads, kvDim, h.Dim), kvDim, h.Dim);
            src.Add($"{p}.self_attn.v_proj.weight", wv[i], kvDim, h.Dim);
            src.Add($"{p}.self_attn.o_proj.weight", wo[i], h.Dim, h.Dim);
            src.Add($"{p}.post_attention_layernorm.weight", rmsFfn[i], h.Dim);
            src.Add($"{p}.mlp.gate_proj.weight", w1[i], h.Hidden, h.Dim);
            src.Add($"{p}.mlp.down_proj.weight", w2[i], h.Dim, h.Hidden);
            src.Add($"{p}.mlp.up_proj.weight", w3[i], h.Hidden, h.Dim);
        }
        src.Add("model.norm.weight", rmsFinal, h.Dim);
        if (!h.Shared) src.Add("lm_head.weight", wcls, h.Vocab, h.Dim);

        string json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "llama",
            ["hidden_size"] = h.Dim,
            ["intermediate_size"] = h.Hidden,
            ["num_hidden_layers"] = h.Layers,
            ["num_attention_heads"] = h.Heads,
            ["num_key_value_heads"] = h.KvHeads,
            ["vocab_size"] = h.Vocab,
            ["max_position_embeddings"] = h.SeqLen,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = 10000.0,
            ["tie_word_embeddings"] = h.Shared,
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["hidden_act"] = "silu",
        });
        var config = ConfigJson.Parse(json, path + " (llama2.c header)");
        return ModelLoader.FamilyOf(config).Load(config, src);
    }

    /// <summary>
    /// Row permutation from llama2.c's interleaved rotary pairs (2i, 2i+1) to Hugging Face's halves (i, i + d/2), per head:
    /// w.view(heads, d/2, 2, in).transpose(1, 2).reshape(out, in).
    /// </summary>
    private static float[] InterleavedToHalves(float[] w, int heads, int outDim, int inDim)
    {
        int hd = outDim / heads, half = hd / 2;
        var r = new float[w.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int two = 0; two < 2; two++)
                {
                    int srcRow = h * hd + i * 2 + two;
                    int dstRow = h * hd + two * half + i;
                    Array.Copy(w, (long)srcRow * inDim, r, (long)dstRow * inDim, inDim);
                }
        return r;
    }
}
