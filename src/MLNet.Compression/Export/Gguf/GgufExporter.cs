using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.GptNeoX;
using MLNet.Compression.Modeling.Gpt2;
using MLNet.Compression.Modeling.Llama;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Export.Gguf;

/// <summary>What to write.</summary>
public sealed class GgufExportOptions
{
    /// <summary>
    /// The ggml type of the linear weights (and of token_embd and output); null (the default) is "auto": each layer's type
    /// closest to its compressed form (dense → F32, fp16 → F16, k-bit → Q8_0/Q4_0/Q4_1, int8 → Q8_0, sparse → F32) and
    /// embeddings F32. Norms, biases and GPT-2's position embeddings are always F32.
    /// </summary>
    public GgmlType? Type { get; init; }

    /// <summary>general.name; defaults to the model type.</summary>
    public string? Name { get; init; }
}

/// <summary>What an export wrote: the architecture, every tensor's report, and notes (tokenizer, fallbacks).</summary>
public sealed record GgufExportResult(string Architecture, IReadOnlyList<GgufTensorReport> Tensors, IReadOnlyList<string> Notes, long FileBytes);

/// <summary>
/// Writes a causal LM as a GGUF file llama.cpp runs (architectures llama, gpt2, gptneox): the hyperparameters under the
/// keys llama.cpp's loader reads (llama-arch.cpp LLM_KV_NAMES), tensors under its names (LLM_TENSOR_NAMES) in the
/// layouts its graphs expect, and the tokenizer. Layout changes from this engine's Hugging Face layout, as
/// convert_hf_to_gguf.py makes them: Llama q/k rows go from rotate-half order to ggml's interleaved rotary pairs
/// (LlamaModel.permute); GPT-NeoX's fused qkv goes from per-head [q k v] to [all q, all k, all v]; GPT-2's Conv1D
/// weights are already held as [out, in] here.
/// </summary>
public static class GgufExporter
{
    /// <summary>The model types that export (config.json model_type).</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "gpt2", "gpt_neox"];

    /// <summary>Value of <see cref="GgufFormat.ExportMarkerKey"/>.</summary>
    public const string Marker = "mlnet-compress export --format gguf";

    /// <summary>Checks that the model can be exported; the exception's message is one line naming the problem.</summary>
    /// <exception cref="ArgumentException">Not a family llama.cpp runs, or a setting its graph does not compute.</exception>
    public static void Check(LanguageModel model) => Plan(model, new GgufWriter(), new GgufExportOptions(), dryRun: true);

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (through a temporary sibling).</summary>
    /// <param name="tokenizer">embedded as tokenizer.ggml.*; null writes llama.cpp's no_vocab model</param>
    public static GgufExportResult Export(LanguageModel model, string path, Tokenizer? tokenizer = null, GgufExportOptions? options = null)
    {
        options ??= new GgufExportOptions();
        var w = new GgufWriter();
        var (arch, reports, notes, genIds) = Plan(model, w, options, dryRun: false);
        notes.Insert(0, GgufVocabulary.Add(w, arch, tokenizer, model.VocabSize, genIds));
        w.Save(path);
        return new GgufExportResult(arch, reports, notes, new FileInfo(path).Length);
    }

    private static (string Arch, List<GgufTensorReport> Reports, List<string> Notes, GenerationIds Ids) Plan(LanguageModel model, GgufWriter w, GgufExportOptions options, bool dryRun)
    {
        var b = new Builder(model, w, options);
        string arch = model switch
        {
            LlamaForCausalLM l => b.Llama(l),
            Gpt2LMHeadModel g => b.Gpt2(g),
            GptNeoXForCausalLM n => b.GptNeoX(n),
            _ => throw new ArgumentException($"{model.ModelType} models cannot be exported as GGUF: llama.cpp has no {model.ModelType} architecture (GGUF export supports {string.Join(", ", SupportedModelTypes)})."),
        };
        if (!dryRun) b.Finish(arch);
        var gen = model.Generation;
        return (arch, b.Reports, b.Notes, new GenerationIds(gen.BosTokenId, gen.EosTokenIds.Length > 0 ? gen.EosTokenIds[0] : null, gen.PadTokenId));
    }

    private sealed class Builder(LanguageModel model, GgufWriter w, GgufExportOptions options)
    {
        private readonly Dictionary<string, Linear> _linears = model.Linears.ToDictionary(l => l.Name, StringComparer.Ordinal);
        private readonly Dictionary<string, Tensor> _tensors = model.OtherTensors.GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);

        public List<GgufTensorReport> Reports { get; } = [];
        public List<string> Notes { get; } = [];

        private Linear L(string name) => _linears.TryGetValue(name, out var l) ? l
            : throw new InvalidOperationException($"{model.ModelType} model has no linear layer '{name}'.");

        private Tensor T(string key) => _tensors.TryGetValue(key, out var t) ? t
            : throw new InvalidOperationException($"{model.ModelType} model has no tensor '{key}'.");

        private void Header(string arch)
        {
            w.AddString("general.architecture", arch);
            w.AddString("general.name", options.Name ?? model.ModelType);
            w.AddString(GgufFormat.ExportMarkerKey, Marker);
        }

        /// <summary>general.file_type from the type asked or, for auto, the most common type of the linear weights; and quantization_version.</summary>
        public void Finish(string arch)
        {
            var linearTypes = Reports.Where(r => r.Shape.Length == 2 && r.Name.StartsWith("blk.", StringComparison.Ordinal)).Select(r => r.Type).ToList();
            var main = options.Type ?? linearTypes.GroupBy(t => t).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
            w.AddUInt32("general.file_type", GgufFormat.FileType(main));
            // GGML_QNT_VERSION = 2: the block layouts of ggml-common.h written here.
            if (Reports.Any(r => GgmlTypes.IsQuantized(r.Type))) w.AddUInt32("general.quantization_version", 2);
            w.AddUInt32($"{arch}.vocab_size", (uint)model.VocabSize);
        }

        /// <summary>A linear weight [out, in] under a GGUF name, with its bias as name.bias when it has one.</summary>
        private void Linear(string gguf, Linear l, Func<float[], float[]>? permuteRows = null, bool zeroBiasIfNone = false)
        {
            var asked = options.Type ?? GgufWeightEncoder.AutoType(l.Weight);
            var type = GgufWeightEncoder.Fit(asked, l.InFeatures);
            var (report, data) = GgufWeightEncoder.Linear(gguf + ".weight", l.Weight, type, asked, permuteRows);
            Add(report, data);
            if (l.Bias is { } bias)
                Plain(gguf + ".bias", [bias.Length], () => permuteRows is null ? bias : permuteRows(bias));
            else if (zeroBiasIfNone)
                Plain(gguf + ".bias", [l.OutFeatures], () => new float[l.OutFeatures]);
        }

        /// <summary>A norm weight or bias, or position embeddings: always F32.</summary>
        private void Plain(string gguf, int[] shape, Func<float[]> values) => Add(GgufWeightEncoder.Plain(gguf, shape, values, GgmlType.F32));

        private void Plain(string gguf, string key)
        {
            var t = T(key);
            Plain(gguf, t.Shape, () => t.Span.ToArray());
        }

        /// <summary>token_embd [vocab, hidden]: F32 in auto, else the type asked (rows permitting).</summary>
        private void TokenEmbeddings(string key)
        {
            var t = T(key);
            var type = GgufWeightEncoder.Fit(options.Type ?? GgmlType.F32, t.Dim(1));
            Add(GgufWeightEncoder.Plain("token_embd.weight", t.Shape, () => t.Span.ToArray(), type));
        }

        /// <summary>output.weight unless the head is the token embedding itself (llama.cpp then reuses token_embd).</summary>
        private void Head(Linear head, string embeddingKey, bool mayOmit)
        {
            bool tied = head.Weight is DenseWeight d && ReferenceEquals(d.Value.Data, T(embeddingKey).Data);
            if (tied && mayOmit)
            {
                Notes.Add("output: tied to token_embd, not stored (llama.cpp uses token_embd.weight as the head)");
                return;
            }
            Linear("output", head);
        }

        private void Add((GgufTensorReport Report, Func<byte[]> Data) t) => Add(t.Report, t.Data);

        private void Add(GgufTensorReport report, Func<byte[]> data)
        {
            Reports.Add(report);
            w.AddTensor(report.Name, report.Shape, report.Type, data);
        }

        private static void NoRopeScaling(RopeScaling? s, string type)
        {
            if (s is not null)
                throw new ArgumentException($"a {type} model with rope_scaling {s.Type} cannot be exported as GGUF here; only unscaled rotary embeddings are written.");
        }

        /// <summary>The row count every layer of a kind must have: llama.cpp takes one head count and one FFN width per model here.</summary>
        private static void Uniform(IEnumerable<(int Layer, int Rows)> layers, int expected, string what)
        {
            foreach (var (i, rows) in layers)
                if (rows != expected)
                    throw new ArgumentException($"layer {i} has {rows} {what} where the config says {expected}: models with heads or neurons removed do not export as GGUF here.");
        }

        // ---- llama (llama-arch.cpp LLM_ARCH_LLAMA; convert_hf_to_gguf.py LlamaModel) ----
        public string Llama(LlamaForCausalLM m)
        {
            var c = m.LlamaConfig;
            if (c.HiddenAct != Activation.Silu) throw new ArgumentException($"a llama model with hidden_act {c.HiddenAct} cannot be exported as GGUF: llama.cpp's llama graph uses SiLU.");
            NoRopeScaling(c.RopeScaling, "llama");
            int hd = c.HeadDim;
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"model.layers.{i}.self_attn.q_proj").OutFeatures)), c.Heads * hd, "query rows");
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"model.layers.{i}.mlp.gate_proj").OutFeatures)), c.IntermediateSize, "FFN neurons");
            const string a = "llama";
            Header(a);
            w.AddUInt32($"{a}.context_length", (uint)c.MaxPositions);
            w.AddUInt32($"{a}.embedding_length", (uint)c.HiddenSize);
            w.AddUInt32($"{a}.block_count", (uint)c.Layers);
            w.AddUInt32($"{a}.feed_forward_length", (uint)c.IntermediateSize);
            w.AddUInt32($"{a}.rope.dimension_count", (uint)hd);
            w.AddUInt32($"{a}.attention.head_count", (uint)c.Heads);
            w.AddUInt32($"{a}.attention.head_count_kv", (uint)c.KvHeads);
            w.AddUInt32($"{a}.attention.key_length", (uint)hd);
            w.AddUInt32($"{a}.attention.value_length", (uint)hd);
            w.AddFloat32($"{a}.attention.layer_norm_rms_epsilon", c.RmsNormEps);
            w.AddFloat32($"{a}.rope.freq_base", (float)c.RopeTheta);

            TokenEmbeddings("model.embed_tokens.weight");
            for (int i = 0; i < c.Layers; i++)
            {
                string p = $"model.layers.{i}", g = $"blk.{i}";
                Plain($"{g}.attn_norm.weight", $"{p}.input_layernorm.weight");
                Linear($"{g}.attn_q", L($"{p}.self_attn.q_proj"), v => RotaryHalvesToPairs(v, c.Heads, hd));
                Linear($"{g}.attn_k", L($"{p}.self_attn.k_proj"), v => RotaryHalvesToPairs(v, c.KvHeads, hd));
                Linear($"{g}.attn_v", L($"{p}.self_attn.v_proj"));
                Linear($"{g}.attn_output", L($"{p}.self_attn.o_proj"));
                Plain($"{g}.ffn_norm.weight", $"{p}.post_attention_layernorm.weight");
                Linear($"{g}.ffn_gate", L($"{p}.mlp.gate_proj"));
                Linear($"{g}.ffn_up", L($"{p}.mlp.up_proj"));
                Linear($"{g}.ffn_down", L($"{p}.mlp.down_proj"));
            }
            Plain("output_norm.weight", "model.norm.weight");
            Head(L("lm_head"), "model.embed_tokens.weight", mayOmit: true);
            return a;
        }

        // ---- gpt2 (LLM_ARCH_GPT2; convert_hf_to_gguf.py GPT2Model) ----
        public string Gpt2(Gpt2LMHeadModel m)
        {
            var c = m.Gpt2Config;
            if (!c.ScaleAttnWeights || c.ScaleAttnByInverseLayerIdx)
                throw new ArgumentException("a gpt2 model with scale_attn_weights false or scale_attn_by_inverse_layer_idx true cannot be exported as GGUF: llama.cpp's gpt2 graph scales scores by 1/sqrt(head_dim) only.");
            CheckGelu(c.Activation, "gpt2", "activation_function");
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"transformer.h.{i}.attn.c_attn").OutFeatures)), 3 * c.HiddenSize, "qkv rows");
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"transformer.h.{i}.mlp.c_fc").OutFeatures)), c.InnerSize, "FFN neurons");
            const string a = "gpt2";
            Header(a);
            w.AddUInt32($"{a}.context_length", (uint)c.MaxPositions);
            w.AddUInt32($"{a}.embedding_length", (uint)c.HiddenSize);
            w.AddUInt32($"{a}.feed_forward_length", (uint)c.InnerSize);
            w.AddUInt32($"{a}.block_count", (uint)c.Layers);
            w.AddUInt32($"{a}.attention.head_count", (uint)c.Heads);
            w.AddFloat32($"{a}.attention.layer_norm_epsilon", c.LayerNormEps);

            TokenEmbeddings("transformer.wte.weight");
            Plain("position_embd.weight", "transformer.wpe.weight");
            for (int i = 0; i < c.Layers; i++)
            {
                string p = $"transformer.h.{i}", g = $"blk.{i}";
                Plain($"{g}.attn_norm.weight", $"{p}.ln_1.weight");
                Plain($"{g}.attn_norm.bias", $"{p}.ln_1.bias");
                Linear($"{g}.attn_qkv", L($"{p}.attn.c_attn"), zeroBiasIfNone: true);
                Linear($"{g}.attn_output", L($"{p}.attn.c_proj"), zeroBiasIfNone: true);
                Plain($"{g}.ffn_norm.weight", $"{p}.ln_2.weight");
                Plain($"{g}.ffn_norm.bias", $"{p}.ln_2.bias");
                Linear($"{g}.ffn_up", L($"{p}.mlp.c_fc"), zeroBiasIfNone: true);
                Linear($"{g}.ffn_down", L($"{p}.mlp.c_proj"), zeroBiasIfNone: true);
            }
            Plain("output_norm.weight", "transformer.ln_f.weight");
            Plain("output_norm.bias", "transformer.ln_f.bias");
            Head(L("lm_head"), "transformer.wte.weight", mayOmit: true);
            return a;
        }

        // ---- gptneox (LLM_ARCH_GPTNEOX; convert_hf_to_gguf.py GPTNeoXModel) ----
        public string GptNeoX(GptNeoXForCausalLM m)
        {
            var c = m.GptNeoXConfig;
            CheckGelu(c.HiddenAct, "gpt_neox", "hidden_act");
            NoRopeScaling(c.RopeScaling, "gpt_neox");
            int heads = c.Heads, d = c.HeadDim;
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"gpt_neox.layers.{i}.attention.query_key_value").OutFeatures)), 3 * c.HiddenSize, "qkv rows");
            Uniform(Enumerable.Range(0, c.Layers).Select(i => (i, L($"gpt_neox.layers.{i}.mlp.dense_h_to_4h").OutFeatures)), c.IntermediateSize, "FFN neurons");
            const string a = "gptneox";
            Header(a);
            w.AddUInt32($"{a}.context_length", (uint)c.MaxPositions);
            w.AddUInt32($"{a}.embedding_length", (uint)c.HiddenSize);
            w.AddUInt32($"{a}.block_count", (uint)c.Layers);
            w.AddUInt32($"{a}.feed_forward_length", (uint)c.IntermediateSize);
            w.AddUInt32($"{a}.rope.dimension_count", (uint)c.RotaryDim);
            w.AddFloat32($"{a}.rope.freq_base", (float)c.RotaryEmbBase);
            w.AddUInt32($"{a}.attention.head_count", (uint)heads);
            w.AddBool($"{a}.use_parallel_residual", c.UseParallelResidual);
            w.AddFloat32($"{a}.attention.layer_norm_epsilon", c.LayerNormEps);

            TokenEmbeddings("gpt_neox.embed_in.weight");
            for (int i = 0; i < c.Layers; i++)
            {
                string p = $"gpt_neox.layers.{i}", g = $"blk.{i}";
                Plain($"{g}.attn_norm.weight", $"{p}.input_layernorm.weight");
                Plain($"{g}.attn_norm.bias", $"{p}.input_layernorm.bias");
                Linear($"{g}.attn_qkv", L($"{p}.attention.query_key_value"), v => HeadsQkvToBlocks(v, heads, d), zeroBiasIfNone: true);
                Linear($"{g}.attn_output", L($"{p}.attention.dense"), zeroBiasIfNone: true);
                Plain($"{g}.ffn_norm.weight", $"{p}.post_attention_layernorm.weight");
                Plain($"{g}.ffn_norm.bias", $"{p}.post_attention_layernorm.bias");
                Linear($"{g}.ffn_up", L($"{p}.mlp.dense_h_to_4h"), zeroBiasIfNone: true);
                Linear($"{g}.ffn_down", L($"{p}.mlp.dense_4h_to_h"), zeroBiasIfNone: true);
            }
            Plain("output_norm.weight", "gpt_neox.final_layer_norm.weight");
            Plain("output_norm.bias", "gpt_neox.final_layer_norm.bias");
            // llama.cpp's gptneox loader requires output.weight, so a tied head is stored again.
            Head(L("embed_out"), "gpt_neox.embed_in.weight", mayOmit: false);
            return a;
        }

        /// <summary>llama.cpp's GELU (ggml_gelu) is the tanh approximation; exact erf GELU is accepted and noted, anything else refused.</summary>
        private void CheckGelu(Activation act, string type, string key)
        {
            if (act == Activation.Gelu)
                Notes.Add($"{key} gelu (erf): llama.cpp computes GELU with the tanh approximation, a difference of up to ~5e-4 per activation");
            else if (act != Activation.GeluTanh)
                throw new ArgumentException($"a {type} model with {key} {act} cannot be exported as GGUF: llama.cpp's {type} graph uses GELU.");
        }
    }

    /// <summary>
    /// [heads·d, cols] rows from Hugging Face's rotate-half order (row i of a head pairs with row i + d/2) to ggml's normal
    /// rope order (rows 2i and 2i+1 pair): new row h·d + 2i + t = old row h·d + t·d/2 + i, as convert_hf_to_gguf.py
    /// LlamaModel.permute does with reshape(heads, 2, d/2, cols).swapaxes(1, 2). Also takes a bias (cols = 1).
    /// </summary>
    public static float[] RotaryHalvesToPairs(float[] w, int heads, int headDim)
    {
        int rows = heads * headDim, cols = w.Length / rows, half = headDim / 2;
        var r = new float[w.Length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int t = 0; t < 2; t++)
                    Array.Copy(w, (long)(h * headDim + t * half + i) * cols, r, (long)(h * headDim + 2 * i + t) * cols, cols);
        return r;
    }

    /// <summary>
    /// GPT-NeoX's fused [heads·3·d, cols] rows from per-head (q, k, v) to all q rows, then all k, then all v, which
    /// llama.cpp's gptneox graph slices at offsets 0, n_embd and 2·n_embd (convert_hf_to_gguf.py GPTNeoXModel:
    /// reshape(heads, 3, d, cols).permute(1, 0, 2, 3)). Also takes a bias (cols = 1).
    /// </summary>
    public static float[] HeadsQkvToBlocks(float[] w, int heads, int headDim)
    {
        int rows = heads * 3 * headDim, cols = w.Length / rows;
        var r = new float[w.Length];
        for (int h = 0; h < heads; h++)
            for (int part = 0; part < 3; part++)
                Array.Copy(w, (long)((h * 3 + part) * headDim) * cols, r, (long)((part * heads + h) * headDim) * cols, (long)headDim * cols);
        return r;
    }
}
