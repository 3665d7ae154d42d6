using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Opt;

/// <summary>
/// OPTForCausalLM (modeling_opt.py, v4.36). OPTDecoder: embed_tokens [vocab, word_embed_proj_dim], project_in to
/// hidden_size when the widths differ, plus learned positions numbered from the attention mask
/// (cumsum(mask)·mask − 1, looked up at +2: OPTLearnedPositionalEmbedding's offset), then the layers, the optional
/// final_layer_norm and project_out; lm_head [vocab, word_embed_proj_dim] without bias, tied to embed_tokens.
/// </summary>
public sealed class OptForCausalLM : CausalLanguageModel
{
    /// <summary>OPTLearnedPositionalEmbedding looks positions up at index + 2 (a fairseq padding_idx legacy).</summary>
    private const int PositionOffset = 2;

    private readonly OptConfig _cfg;
    private readonly Tensor _embedPositions; // [maxPositions + 2, hidden]
    private readonly Linear? _projectIn;     // wordEmbedProjDim → hidden
    private readonly Linear? _projectOut;    // hidden → wordEmbedProjDim
    private readonly LayerNorm? _finalLayerNorm;

    internal OptForCausalLM(ConfigJson config, ITensorSource source)
    {
        Config = config;
        _cfg = OptConfig.From(config);
        // OPTConfig's own defaults for the special ids (pad 1, bos 2, eos 2) when config.json leaves them out.
        var gen = GenerationConfig.From(config);
        Generation = gen with
        {
            BosTokenId = gen.BosTokenId ?? 2,
            EosTokenIds = config.Has("eos_token_id") ? gen.EosTokenIds : [2],
            PadTokenId = gen.PadTokenId ?? 1,
        };
        // Old checkpoints (facebook/opt-350m) and bare OPTModel ones start at "decoder."; the loader retries without "model.".
        var w = new WeightLoader(source, "model");
        int h = _cfg.HiddenSize, e = _cfg.WordEmbedProjDim;
        const string d = "model.decoder";
        TokenEmbeddings = RegisterTensor($"{d}.embed_tokens.weight", w.Get($"{d}.embed_tokens.weight", _cfg.VocabSize, e)); // [vocab, wordEmbedProjDim]
        _embedPositions = RegisterTensor($"{d}.embed_positions.weight",
            w.Get($"{d}.embed_positions.weight", _cfg.MaxPositions + PositionOffset, h));
        // Registered in HF's named_parameters() order: project_out, project_in, final_layer_norm, then the layers.
        if (_cfg.HasProjections)
        {
            _projectOut = Register(w.Linear($"{d}.project_out", LayerRole.Projection, h, e, bias: false));
            _projectIn = Register(w.Linear($"{d}.project_in", LayerRole.Projection, e, h, bias: false));
        }
        if (_cfg.HasFinalLayerNorm)
            _finalLayerNorm = Register(w.LayerNorm($"{d}.final_layer_norm", h, OptConfig.LayerNormEps, affine: _cfg.LayerNormElementwiseAffine));
        DecoderLayers = RegisterAll(_cfg.Layers, i => new OptDecoderLayer(_cfg, w, $"{d}.layers.{i}", i));
        // tie_weights() makes lm_head the very tensor of embed_tokens; save_pretrained drops lm_head.weight when tied.
        var head = w.LmHead("lm_head.weight", TokenEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, e); // [vocab, wordEmbedProjDim]
        LmHead = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(head), null));
    }

    public override string ModelType => "opt";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public override int? MaxPositions => _cfg.MaxPositions;
    public OptConfig OptConfig => _cfg;

    /// <summary>project_in, or null when word_embed_proj_dim equals hidden_size.</summary>
    public Linear? ProjectIn => _projectIn;

    /// <summary>project_out, or null when word_embed_proj_dim equals hidden_size.</summary>
    public Linear? ProjectOut => _projectOut;

    private protected override bool KeepsCache => true;

    /// <summary>The positions of the new tokens, numbered over the whole mask (cached positions included).</summary>
    private protected override DecoderStep BeginStep(TokenBatch tokens, int[] keyMask, int past, KeyValueCache? cache)
    {
        int[] positions = NewPositions(keyMask, tokens.Batch, past, tokens.Length); // [batch, seq], already offset by 2
        if (positions.Length > 0 && positions.Max() >= _embedPositions.Dim(0))
            throw new ArgumentException($"Input of {past + tokens.Length} positions exceeds max_position_embeddings = {_cfg.MaxPositions} of this opt model.");
        return new DecoderStep(keyMask, past, cache) { PositionIds = positions };
    }

    /// <summary>embed_tokens → project_in → + embed_positions: [batch, seq, hidden].</summary>
    private protected override Tensor Embed(ModelInput input, DecoderStep step)
    {
        var tokens = input.Tokens;
        var x = EmbedTokens(TokenEmbeddings, tokens); // [batch, seq, wordEmbedProjDim]
        if (_projectIn is not null) x = _projectIn.Forward(x); // [batch, seq, hidden]
        x = TensorOps.Add(x, TensorOps.Embedding(_embedPositions, step.PositionIds!));
        return x.Reshape(tokens.Batch, tokens.Length, _cfg.HiddenSize); // [batch, seq, hidden]
    }

    /// <summary>
    /// final_layer_norm (when the config has one) then project_out: [batch, seq, hidden] → [batch, seq, wordEmbedProjDim].
    /// HF records this as the last hidden state, so it is word_embed_proj_dim wide on 350m-style models.
    /// </summary>
    private protected override Tensor Final(Tensor x)
    {
        if (_finalLayerNorm is not null) x = _finalLayerNorm.Forward(x);
        if (_projectOut is not null) x = _projectOut.Forward(x); // [batch, seq, wordEmbedProjDim]
        return x;
    }

    /// <summary>
    /// OPTLearnedPositionalEmbedding: cumsum(mask)·mask − 1 over the whole sequence (padding → −1), the last
    /// <paramref name="seq"/> columns kept, + 2. Returns [batch, seq].
    /// </summary>
    private static int[] NewPositions(int[] fullMask, int batch, int past, int seq)
    {
        int total = past + seq;
        var all = Positions.FromMask(fullMask, batch, total, PositionOffset, padValue: PositionOffset - 1);
        if (past == 0) return all;
        var p = new int[batch * seq];
        for (int b = 0; b < batch; b++) all.AsSpan(b * total + past, seq).CopyTo(p.AsSpan(b * seq));
        return p;
    }
}

/// <summary>Registers "opt".</summary>
public sealed class OptFamily : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["opt"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new OptForCausalLM(config, weights);
}
