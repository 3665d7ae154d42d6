using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Pruning;

/// <summary>
/// Attention heads removed for real (Michel et al. 2019, "Are Sixteen Heads Really Better than One?"; Hugging Face's
/// prune_heads): a removed head's rows leave the query, key and value projections (and their biases) and its columns
/// leave the attention output projection, so the matrices shrink and the families take the head count from the
/// query's width. The result equals zeroing those heads' columns of the output projection.
/// Heads are ranked per attention module by the L2 norm of all their weights (q, k, v rows and o columns), or named.
/// </summary>
/// <remarks>
/// Needs separate q/k/v projections with as many key/value heads as query heads (BERT, RoBERTa, DistilBERT, ALBERT, OPT,
/// BART, Llama without GQA). Fused QKV (GPT-2, GPT-NeoX), grouped-query attention and T5 (whose relative bias table has a
/// column per head) are refused with a message.
/// </remarks>
public sealed class HeadPruningEstimator : PruningEstimator
{
    /// <summary>Options of head removal. <see cref="PruningOptions.Sparsity"/> is the fraction of heads removed per attention module (default 0.5).</summary>
    public sealed class Options : PruningOptions
    {
        /// <summary>Defaults to the attention modules (<see cref="ModuleGroup.AttentionQkv"/>).</summary>
        public Options() => Groups = ModuleGroup.AttentionQkv;

        /// <summary>Heads to remove, by the query layer's name (e.g. "bert.encoder.layer.0.attention.self.query" → [0, 3]); when set, only these are removed and the ranking is not used. Default none.</summary>
        public IReadOnlyDictionary<string, int[]>? Heads { get; set; }

        /// <summary>Width of one head; default from config.json (hidden size / number of heads).</summary>
        public int? HeadDim { get; set; }
    }

    private readonly Options _options;

    public HeadPruningEstimator(CompressionContext context, Options options) : base(context, options, "heads")
    {
        if (options.Plan is not null) throw new ArgumentException("head removal takes a fraction of heads or named heads, not a sparsity plan.");
        _options = options;
    }

    protected override void Prune(PruningJob job)
    {
        var model = job.Model;
        if (model.ModelType == "t5") throw new NotSupportedException("head removal is not supported for T5: its relative attention bias has one column per head.");
        int headDim = _options.HeadDim ?? HeadDimOf(model);
        var chosen = new HashSet<Linear>(job.Targets.Select(t => t.Layer));
        var named = _options.Heads ?? new Dictionary<string, int[]>();
        foreach (var key in named.Keys)
            if (!model.Linears.Any(l => l.Name == key && l.Role == LayerRole.AttentionQuery))
                throw new ArgumentException($"head removal: \"{key}\" is not a query projection of this {model.ModelType} model.");
        foreach (var block in model.Linears.Distinct().GroupBy(OwlPruningEstimator.BlockOf))
        {
            var layers = block.ToList();
            if (layers.Any(l => l.Role == LayerRole.AttentionQkv && chosen.Contains(l)))
                throw new NotSupportedException($"{layers.First(l => l.Role == LayerRole.AttentionQkv).Name}: head removal needs separate q/k/v projections, not a fused one.");
            var qs = layers.Where(l => l.Role == LayerRole.AttentionQuery).ToList();
            var ks = layers.Where(l => l.Role == LayerRole.AttentionKey).ToList();
            var vs = layers.Where(l => l.Role == LayerRole.AttentionValue).ToList();
            var os = layers.Where(l => l.Role == LayerRole.AttentionOutput).ToList();
            for (int i = 0; i < qs.Count; i++)
            {
                if (named.Count > 0 ? !named.ContainsKey(qs[i].Name) : !chosen.Contains(qs[i])) continue;
                if (i >= ks.Count || i >= vs.Count || i >= os.Count)
                    throw new NotSupportedException($"{qs[i].Name}: no matching key, value and output projections were found for head removal.");
                var (q, k, v, o) = (qs[i], ks[i], vs[i], os[i]);
                if (k.OutFeatures != q.OutFeatures || v.OutFeatures != q.OutFeatures || o.InFeatures != q.OutFeatures || q.OutFeatures % headDim != 0)
                    throw new NotSupportedException($"{q.Name}: head removal needs equal query/key/value widths divisible by the head size {headDim} (grouped-query attention is not supported).");
                int heads = q.OutFeatures / headDim;
                int[] remove = named.TryGetValue(q.Name, out var list) ? list.Distinct().Order().ToArray() : LowestHeads(q, k, v, o, heads, headDim, job.Targets.First(t => t.Layer == q).Sparsity);
                if (remove.Any(h => h < 0 || h >= heads)) throw new ArgumentException($"{q.Name}: heads to remove must be in 0..{heads - 1}, got {string.Join(", ", remove)}.");
                if (remove.Length >= heads) throw new ArgumentException($"{q.Name}: removing {remove.Length} of {heads} heads would leave none.");
                if (remove.Length == 0) continue;
                var keep = Enumerable.Range(0, heads).Except(remove).SelectMany(h => Enumerable.Range(h * headDim, headDim)).ToArray();
                var extra = new KeyValuePair<string, string>[] { new("removed_heads", string.Join(",", remove)), new("heads", $"{heads - remove.Length}/{heads}") };
                foreach (var proj in new[] { q, k, v }) KeepRows(job, proj, keep, (double)remove.Length / heads, extra);
                KeepColumns(job, o, keep, (double)remove.Length / heads, extra);
            }
        }
    }

    /// <summary>The round(fraction · heads) heads of smallest weight norm (q, k, v rows and o columns together).</summary>
    private static int[] LowestHeads(Linear q, Linear k, Linear v, Linear o, int heads, int headDim, double fraction)
    {
        var score = new float[heads]; // [heads]
        foreach (var proj in new[] { q, k, v })
        {
            var w = proj.Weight.ToDense().ReadOnlySpan;
            for (int h = 0; h < heads; h++)
                foreach (float x in w.Slice(h * headDim * proj.InFeatures, headDim * proj.InFeatures)) score[h] += x * x;
        }
        var wo = o.Weight.ToDense().ReadOnlySpan;
        for (int r = 0; r < o.OutFeatures; r++)
            for (int c = 0; c < o.InFeatures; c++) score[c / headDim] += wo[r * o.InFeatures + c] * wo[r * o.InFeatures + c];
        var prune = new bool[heads];
        MaskSelection.MarkSmallest(score, MaskSelection.CountToPrune(fraction, heads), prune);
        return Enumerable.Range(0, heads).Where(h => prune[h]).ToArray();
    }

    /// <summary>head_dim from config.json: hidden size / number of heads, under the names the families use.</summary>
    internal static int HeadDimOf(LanguageModel model)
    {
        var c = model.Config ?? throw new InvalidOperationException("head removal needs the model's config.json to know the head size; set Options.HeadDim.");
        if (c.IntOrNull("head_dim") is int hd) return hd;
        int? hidden = c.IntOrNull("hidden_size") ?? c.IntOrNull("dim") ?? c.IntOrNull("d_model") ?? c.IntOrNull("n_embd");
        int? heads = c.IntOrNull("num_attention_heads") ?? c.IntOrNull("n_heads") ?? c.IntOrNull("n_head") ?? c.IntOrNull("encoder_attention_heads");
        if (hidden is not int h || heads is not int n || n <= 0 || h % n != 0)
            throw new InvalidOperationException($"head removal could not find the head size in {c.Path}; set Options.HeadDim.");
        return h / n;
    }

    /// <summary>W [out, in] → W[keep, :], bias[keep].</summary>
    internal static void KeepRows(PruningJob job, Linear layer, int[] keep, double target, IEnumerable<KeyValuePair<string, string>> extra)
    {
        var w = layer.Weight.ToDense().ReadOnlySpan;
        int inF = layer.InFeatures;
        long original = (long)layer.OutFeatures * inF;
        var kept = new float[keep.Length * inF]; // [kept, in]
        for (int i = 0; i < keep.Length; i++) w.Slice(keep[i] * inF, inF).CopyTo(kept.AsSpan(i * inF, inF));
        if (layer.Bias is { } b) layer.Bias = keep.Select(r => b[r]).ToArray();
        job.Install(layer, new Tensor(kept, keep.Length, inF), target, original, extra: [.. extra, new("original_shape", $"{layer.OutFeatures}x{inF}")]);
    }

    /// <summary>W [out, in] → W[:, keep] (the bias is per output and stays).</summary>
    internal static void KeepColumns(PruningJob job, Linear layer, int[] keep, double target, IEnumerable<KeyValuePair<string, string>> extra)
    {
        var w = layer.Weight.ToDense().ReadOnlySpan;
        int outF = layer.OutFeatures, inF = layer.InFeatures;
        var kept = new float[outF * keep.Length]; // [out, kept]
        for (int r = 0; r < outF; r++)
            for (int i = 0; i < keep.Length; i++) kept[r * keep.Length + i] = w[r * inF + keep[i]];
        job.Install(layer, new Tensor(kept, outF, keep.Length), target, (long)outF * inF, extra: [.. extra, new("original_shape", $"{outF}x{inF}")]);
    }
}
