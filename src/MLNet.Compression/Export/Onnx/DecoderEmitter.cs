using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.GptNeoX;
using MLNet.Compression.Modeling.Gpt2;
using MLNet.Compression.Modeling.Llama;
using MLNet.Compression.Modeling.Opt;

namespace MLNet.Compression.Export.Onnx;

/// <summary>
/// GPT-2, GPT-NeoX, OPT and Llama as one ONNX graph with a key/value cache, named as Hugging Face optimum's exporter names
/// them so ORT generation loops written for optimum run it: inputs input_ids [batch, sequence], attention_mask
/// [batch, past + sequence], position_ids [batch, sequence] (not OPT, which numbers positions from the mask), and
/// past_key_values.{i}.key/.value [batch, kv_heads, past, head_dim]; outputs logits [batch, sequence, vocab] and
/// present.{i}.key/.value [batch, kv_heads, past + sequence, head_dim]. The first call passes pasts with past = 0.
/// Each layer mirrors the family's forward in Modeling/ (Gpt2Block, GptNeoXLayer, OptDecoderLayer, LlamaDecoderLayer).
/// </summary>
internal static class DecoderEmitter
{
    private const string Batch = "batch_size", Seq = "sequence_length", Past = "past_sequence_length", Total = "total_sequence_length";

    public static void Emit(CausalLanguageModel model, OnnxLayers L)
    {
        var g = L.Graph;
        var parts = new ModelParts(model);
        bool opt = model is OptForCausalLM;
        string ids = g.Input("input_ids", OnnxType.Int64, Batch, Seq);
        string mask = g.Input("attention_mask", OnnxType.Int64, Batch, Total);
        string? positions = opt ? null : g.Input("position_ids", OnnxType.Int64, Batch, Seq);
        var (kvHeads, headDim) = CacheShape(model);
        var pasts = new (string Key, string Value)[model.LayerCount];
        for (int i = 0; i < pasts.Length; i++)
            pasts[i] = (g.Input($"past_key_values.{i}.key", OnnxType.Float, Batch, kvHeads, Past, headDim),
                        g.Input($"past_key_values.{i}.value", OnnxType.Float, Batch, kvHeads, Past, headDim));

        // What query t (absolute position past + t) may see: key j ≤ past + t that is not padding: bool [batch, 1, seq, total].
        string total = L.Dim(mask, 1), seq = L.Dim(ids, 1);
        string past = g.Node("Sub", [total, seq]);
        string keyIndex = g.Node("Range", [g.Int64Scalar(0), total, g.Int64Scalar(1)]);                       // [total]
        string queryIndex = g.Node("Unsqueeze", [g.Node("Range", [past, total, g.Int64Scalar(1)]), g.Int64s(1)]); // [seq, 1]
        string causal = g.Node("LessOrEqual", [keyIndex, queryIndex]);                                          // [seq, total]
        string keys = g.Node("Unsqueeze", [g.Node("Cast", [mask], ("to", (long)OnnxType.Bool)), g.Int64s(1, 2)]); // [batch, 1, 1, total]
        string allowed = g.Node("And", [keys, causal]);                                                          // [batch, 1, seq, total]

        var step = new Step(L, parts, allowed, positions, mask, past, total);
        var presents = new (string Key, string Value)[pasts.Length];
        string logits = model switch
        {
            Gpt2LMHeadModel m => Gpt2(m, step, ids, pasts, presents),
            GptNeoXForCausalLM m => GptNeoX(m, step, ids, pasts, presents),
            OptForCausalLM m => Opt(m, step, ids, pasts, presents),
            LlamaForCausalLM m => Llama(m, step, ids, pasts, presents),
            _ => throw new NotSupportedException($"ONNX export of {model.ModelType} decoders is not supported."),
        };
        g.Output(logits, "logits", OnnxType.Float, Batch, Seq, model.VocabSize);
        for (int i = 0; i < presents.Length; i++)
        {
            g.Output(presents[i].Key, $"present.{i}.key", OnnxType.Float, Batch, kvHeads, Total, headDim);
            g.Output(presents[i].Value, $"present.{i}.value", OnnxType.Float, Batch, kvHeads, Total, headDim);
        }
    }

    private sealed record Step(OnnxLayers L, ModelParts Parts, string Allowed, string? PositionIds, string Mask, string Past, string Total);

    /// <summary>Key/value heads and head width of the cache; heads come from the weights, so every layer must agree.</summary>
    private static (int KvHeads, int HeadDim) CacheShape(CausalLanguageModel model)
    {
        (int heads, int d, Func<int, Linear> kvLayer, int perRow) = model switch
        {
            Gpt2LMHeadModel m => (m.Gpt2Config.Heads, m.Gpt2Config.HeadDim, (Func<int, Linear>)(i => Find(m, $"transformer.h.{i}.attn.c_attn")), 3),
            GptNeoXForCausalLM m => (m.GptNeoXConfig.Heads, m.GptNeoXConfig.HeadDim, i => Find(m, $"gpt_neox.layers.{i}.attention.query_key_value"), 3),
            OptForCausalLM m => (m.OptConfig.Heads, m.OptConfig.HeadDim, i => Find(m, $"model.decoder.layers.{i}.self_attn.k_proj"), 1),
            LlamaForCausalLM m => (m.LlamaConfig.KvHeads, m.LlamaConfig.HeadDim, i => Find(m, $"model.layers.{i}.self_attn.k_proj"), 1),
            _ => throw new NotSupportedException($"ONNX export of {model.ModelType} decoders is not supported."),
        };
        for (int i = 0; i < model.LayerCount; i++)
            if (kvLayer(i).OutFeatures != heads * d * perRow)
                throw new NotSupportedException($"ONNX export: layer {i} has {kvLayer(i).OutFeatures / perRow / d} key/value heads, not {heads}; models with heads removed per layer cannot share one cache shape.");
        return (heads, d);
    }

    private static Linear Find(LanguageModel m, string name) => m.Linears.FirstOrDefault(l => l.Name == name)
        ?? throw new InvalidOperationException($"ONNX export: the model has no linear layer {name}.");

    /// <summary>GPT2LMHeadModel: wte(ids) + wpe(position_ids), pre-LN blocks, ln_f, lm_head: logits [batch, seq, vocab].</summary>
    private static string Gpt2(Gpt2LMHeadModel m, Step s, string ids, (string, string)[] pasts, (string, string)[] presents)
    {
        var (L, P, g) = (s.L, s.Parts, s.L.Graph);
        var c = m.Gpt2Config;
        string x = g.Node("Add", [L.Embedding(ids, "transformer.wte.weight", P.Tensor("transformer.wte.weight")),
                                  L.Embedding(s.PositionIds!, "transformer.wpe.weight", P.Tensor("transformer.wpe.weight"))]); // [batch, seq, hidden]
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"transformer.h.{i}";
            string h = L.LayerNorm(x, P.LayerNorm($"{p}.ln_1", c.LayerNormEps), c.HiddenSize);
            string qkv = L.Linear(h, P.Linear($"{p}.attn.c_attn"));                                          // [batch, seq, 3·hidden]
            var split = g.Node("Split", [qkv, g.Int64s(c.HiddenSize, c.HiddenSize, c.HiddenSize)], [g.Fresh("q"), g.Fresh("k"), g.Fresh("v")], [("axis", -1L)]);
            var (ctx, pk, pv) = L.Attention(L.SplitHeads(split[0], c.Heads, c.HeadDim), L.SplitHeads(split[1], c.Heads, c.HeadDim),
                L.SplitHeads(split[2], c.Heads, c.HeadDim), c.Heads, c.Heads, c.HeadDim, c.AttentionScale(i), s.Allowed, pasts[i].Item1, pasts[i].Item2);
            presents[i] = (pk, pv);
            string a = g.Node("Add", [L.Linear(ctx, P.Linear($"{p}.attn.c_proj")), x]);
            string f = L.Activation(L.Linear(L.LayerNorm(a, P.LayerNorm($"{p}.ln_2", c.LayerNormEps), c.HiddenSize), P.Linear($"{p}.mlp.c_fc")), c.Activation);
            x = g.Node("Add", [L.Linear(f, P.Linear($"{p}.mlp.c_proj")), a]);                               // [batch, seq, hidden]
        }
        x = L.LayerNorm(x, P.LayerNorm("transformer.ln_f", c.LayerNormEps), c.HiddenSize);
        return L.Linear(x, P.Linear("lm_head"));
    }

    /// <summary>GPTNeoXForCausalLM: embed_in, layers (partial rotary, parallel or sequential residual), final_layer_norm, embed_out.</summary>
    private static string GptNeoX(GptNeoXForCausalLM m, Step s, string ids, (string, string)[] pasts, (string, string)[] presents)
    {
        var (L, P, g) = (s.L, s.Parts, s.L.Graph);
        var c = m.GptNeoXConfig;
        var (cos, sin) = Rotary(L, s, c.RotaryDim, c.RotaryEmbBase, c.RopeScaling);
        string x = L.Embedding(ids, "gpt_neox.embed_in.weight", P.Tensor("gpt_neox.embed_in.weight")); // [batch, seq, hidden]
        int d = c.HeadDim, heads = c.Heads;
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"gpt_neox.layers.{i}";
            string h = L.LayerNorm(x, P.LayerNorm($"{p}.input_layernorm", c.LayerNormEps), c.HiddenSize);
            // query_key_value's output is laid out per head as [heads, 3, headDim].
            string qkv = g.Node("Reshape", [L.Linear(h, P.Linear($"{p}.attention.query_key_value")), g.Int64s(0, 0, heads, 3 * d)]); // [batch, seq, heads, 3d]
            string q = L.Rotate(L.Slice(qkv, 0, d, -1), cos, sin, c.RotaryDim, d);
            string k = L.Rotate(L.Slice(qkv, d, 2 * d, -1), cos, sin, c.RotaryDim, d);
            string v = L.Slice(qkv, 2 * d, 3 * d, -1);
            var (ctx, pk, pv) = L.Attention(q, k, v, heads, heads, d, (float)(1.0 / Math.Sqrt(d)), s.Allowed, pasts[i].Item1, pasts[i].Item2);
            presents[i] = (pk, pv);
            string attn = L.Linear(ctx, P.Linear($"{p}.attention.dense"));                              // [batch, seq, hidden]
            string MlpOf(string input)
            {
                string n = L.LayerNorm(input, P.LayerNorm($"{p}.post_attention_layernorm", c.LayerNormEps), c.HiddenSize);
                return L.Linear(L.Activation(L.Linear(n, P.Linear($"{p}.mlp.dense_h_to_4h")), c.HiddenAct), P.Linear($"{p}.mlp.dense_4h_to_h"));
            }
            if (c.UseParallelResidual)
                x = g.Node("Add", [g.Node("Add", [MlpOf(x), attn]), x]);   // mlp + attn + x, in HF's order
            else
            {
                string a = g.Node("Add", [attn, x]);
                x = g.Node("Add", [MlpOf(a), a]);
            }
        }
        x = L.LayerNorm(x, P.LayerNorm("gpt_neox.final_layer_norm", c.LayerNormEps), c.HiddenSize);
        return L.Linear(x, P.Linear("embed_out"));
    }

    /// <summary>
    /// OPTForCausalLM: positions from the mask (cumsum(mask)·mask − 1 + 2, the new tokens' columns), embed_tokens → project_in
    /// + embed_positions, pre- or post-LN layers with q scaled by head_dim^-0.5 after q_proj, final_layer_norm, project_out, lm_head.
    /// </summary>
    private static string Opt(OptForCausalLM m, Step s, string ids, (string, string)[] pasts, (string, string)[] presents)
    {
        var (L, P, g) = (s.L, s.Parts, s.L.Graph);
        var c = m.OptConfig;
        const string d = "model.decoder";
        string cum = g.Node("Mul", [g.Node("CumSum", [s.Mask, g.Int64Scalar(1)]), s.Mask]);
        string all = g.Node("Add", [cum, g.Int64Scalar(1)]);                                                 // −1 + offset 2
        string positions = g.Node("Slice", [all, g.Node("Unsqueeze", [s.Past, g.Int64s(0)]), g.Node("Unsqueeze", [s.Total, g.Int64s(0)]), g.Int64s(1)]); // [batch, seq]
        string x = L.Embedding(ids, $"{d}.embed_tokens.weight", P.Tensor($"{d}.embed_tokens.weight"));      // [batch, seq, wordEmbedProjDim]
        if (m.ProjectIn is { } projectIn) x = L.Linear(x, projectIn);                                        // [batch, seq, hidden]
        x = g.Node("Add", [x, L.Embedding(positions, $"{d}.embed_positions.weight", P.Tensor($"{d}.embed_positions.weight"))]);
        int h = c.HiddenSize, hd = c.HeadDim;
        float eps = OptConfig.LayerNormEps;
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"{d}.layers.{i}";
            bool pre = c.DoLayerNormBefore;
            var qProj = P.Linear($"{p}.self_attn.q_proj");
            int heads = qProj.OutFeatures / hd;
            string input = pre ? L.LayerNorm(x, P.LayerNorm($"{p}.self_attn_layer_norm", eps), h) : x;
            string q = g.Node("Mul", [L.Linear(input, qProj), g.FloatScalar((float)Math.Pow(hd, -0.5))]);
            var (ctx, pk, pv) = L.Attention(L.SplitHeads(q, heads, hd), L.SplitHeads(L.Linear(input, P.Linear($"{p}.self_attn.k_proj")), heads, hd),
                L.SplitHeads(L.Linear(input, P.Linear($"{p}.self_attn.v_proj")), heads, hd), heads, heads, hd, 1f, s.Allowed, pasts[i].Item1, pasts[i].Item2);
            presents[i] = (pk, pv);
            string a = g.Node("Add", [L.Linear(ctx, P.Linear($"{p}.self_attn.out_proj")), x]);
            if (!pre) a = L.LayerNorm(a, P.LayerNorm($"{p}.self_attn_layer_norm", eps), h);
            string f = L.Activation(L.Linear(pre ? L.LayerNorm(a, P.LayerNorm($"{p}.final_layer_norm", eps), h) : a, P.Linear($"{p}.fc1")), c.Activation);
            string o = g.Node("Add", [L.Linear(f, P.Linear($"{p}.fc2")), a]);
            x = pre ? o : L.LayerNorm(o, P.LayerNorm($"{p}.final_layer_norm", eps), h);                     // [batch, seq, hidden]
        }
        if (c.HasFinalLayerNorm) x = L.LayerNorm(x, P.LayerNorm($"{d}.final_layer_norm", eps), h);
        if (m.ProjectOut is { } projectOut) x = L.Linear(x, projectOut);                                     // [batch, seq, wordEmbedProjDim]
        return L.Linear(x, P.Linear("lm_head"));
    }

    /// <summary>LlamaForCausalLM: embed_tokens, RMSNorm layers with rotary grouped-query attention and a gated MLP, norm, lm_head.</summary>
    private static string Llama(LlamaForCausalLM m, Step s, string ids, (string, string)[] pasts, (string, string)[] presents)
    {
        var (L, P, g) = (s.L, s.Parts, s.L.Graph);
        var c = m.LlamaConfig;
        var (cos, sin) = Rotary(L, s, c.HeadDim, c.RopeTheta, c.RopeScaling);
        string x = L.Embedding(ids, "model.embed_tokens.weight", P.Tensor("model.embed_tokens.weight")); // [batch, seq, hidden]
        int d = c.HeadDim;
        for (int i = 0; i < c.Layers; i++)
        {
            string p = $"model.layers.{i}";
            string n = L.RmsNorm(x, $"{p}.input_layernorm", P.Tensor($"{p}.input_layernorm.weight").Data, c.RmsNormEps);
            var qProj = P.Linear($"{p}.self_attn.q_proj");
            var kProj = P.Linear($"{p}.self_attn.k_proj");
            int heads = qProj.OutFeatures / d, kvHeads = kProj.OutFeatures / d;
            string q = L.Rotate(L.SplitHeads(L.Linear(n, qProj), heads, d), cos, sin, d, d);           // [batch, seq, heads, d]
            string k = L.Rotate(L.SplitHeads(L.Linear(n, kProj), kvHeads, d), cos, sin, d, d);         // [batch, seq, kvHeads, d]
            string v = L.SplitHeads(L.Linear(n, P.Linear($"{p}.self_attn.v_proj")), kvHeads, d);
            var (ctx, pk, pv) = L.Attention(q, k, v, heads, kvHeads, d, 1f / MathF.Sqrt(d), s.Allowed, pasts[i].Item1, pasts[i].Item2);
            presents[i] = (pk, pv);
            string h1 = g.Node("Add", [L.Linear(ctx, P.Linear($"{p}.self_attn.o_proj")), x]);
            string mm = L.RmsNorm(h1, $"{p}.post_attention_layernorm", P.Tensor($"{p}.post_attention_layernorm.weight").Data, c.RmsNormEps);
            string gate = L.Activation(L.Linear(mm, P.Linear($"{p}.mlp.gate_proj")), c.HiddenAct);
            string inner = g.Node("Mul", [gate, L.Linear(mm, P.Linear($"{p}.mlp.up_proj"))]);           // [batch, seq, intermediate]
            x = g.Node("Add", [L.Linear(inner, P.Linear($"{p}.mlp.down_proj")), h1]);                   // [batch, seq, hidden]
        }
        x = L.RmsNorm(x, "model.norm", P.Tensor("model.norm.weight").Data, c.RmsNormEps);
        return L.Linear(x, P.Linear("lm_head"));
    }

    /// <summary>cos/sin tables from position_ids; linear RoPE scaling divides positions by the factor, dynamic scaling is refused.</summary>
    private static (string Cos, string Sin) Rotary(OnnxLayers L, Step s, int rotaryDim, double theta, RopeScaling? scaling)
    {
        if (scaling?.Type == "dynamic")
            throw new NotSupportedException("ONNX export of rope_scaling type dynamic is not supported (its base depends on the sequence length); only linear scaling is.");
        return L.RotaryTables(s.PositionIds!, rotaryDim, theta, scaling?.Type == "linear" ? scaling.Factor : 1.0);
    }
}
