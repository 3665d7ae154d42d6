using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Modeling.Gpt2;

/// <summary>
/// GPT2LMHeadModel (modeling_gpt2.py, v4.36): token (wte) plus learned position (wpe) embeddings, pre-norm blocks,
/// ln_f, and an lm_head without bias tied to wte. Positions are arange(past, past + seq) as GPT2Model uses when no
/// position_ids are given; right padding leaves real tokens untouched.
/// </summary>
public sealed class Gpt2LMHeadModel : CausalLanguageModel
{
    private readonly Gpt2Config _cfg;
    private readonly Tensor _wpe; // [maxPositions, hidden]
    private readonly LayerNorm _lnF;

    internal Gpt2LMHeadModel(ConfigJson config, ITensorSource source)
    {
        Config = config;
        // GPT2Config's own defaults for bos/eos (50256, <|endoftext|>) when config.json leaves them out.
        var gen = GenerationConfig.From(config);
        Generation = gen with
        {
            BosTokenId = gen.BosTokenId ?? 50256,
            EosTokenIds = config.Has("eos_token_id") ? gen.EosTokenIds : [50256],
        };
        _cfg = Gpt2Config.From(config);
        // A bare GPT2Model checkpoint has "h.0…" / "wte.weight"; the loader retries without "transformer.".
        var w = new WeightLoader(source, "transformer");
        int h = _cfg.HiddenSize;
        TokenEmbeddings = RegisterTensor("transformer.wte.weight", w.Get("transformer.wte.weight", _cfg.VocabSize, h)); // [vocab, hidden]
        _wpe = RegisterTensor("transformer.wpe.weight", w.Get("transformer.wpe.weight", _cfg.MaxPositions, h));
        DecoderLayers = RegisterAll(_cfg.Layers, i => new Gpt2Block(_cfg, w, $"transformer.h.{i}", i));
        _lnF = Register(w.LayerNorm("transformer.ln_f", h, _cfg.LayerNormEps));
        // save_pretrained drops lm_head.weight when tied; tie_weights() makes it the very same tensor as wte.
        var head = w.LmHead("lm_head.weight", TokenEmbeddings, _cfg.TieWordEmbeddings, _cfg.VocabSize, h); // [vocab, hidden]
        LmHead = Register(new Linear("lm_head", LayerRole.Head, new DenseWeight(head), null));
    }

    public override string ModelType => "gpt2";
    public override int HiddenSize => _cfg.HiddenSize;
    public override int VocabSize => _cfg.VocabSize;
    public override int LayerCount => _cfg.Layers;
    public override int? MaxPositions => _cfg.MaxPositions;
    public Gpt2Config Gpt2Config => _cfg;

    private protected override bool KeepsCache => true;

    private protected override Tensor Embed(ModelInput input, DecoderStep step)
    {
        var tokens = input.Tokens;
        int batch = tokens.Batch, seq = tokens.Length, h = _cfg.HiddenSize, past = step.Past;
        if (past + seq > _cfg.MaxPositions)
            throw new ArgumentException($"Input of {past + seq} positions exceeds n_positions = {_cfg.MaxPositions} of this gpt2 model.");

        // [batch·seq, hidden] = wte(ids) + wpe(positions) (+ wte(token_type_ids), which GPT-2 embeds with the same table)
        var x = TensorOps.Embedding(TokenEmbeddings, tokens.Ids);
        x = TensorOps.Add(x, TensorOps.Embedding(_wpe, Positions.Arange(batch, seq, past)));
        if (input.TokenTypeIds is { } types) x = TensorOps.Add(x, TensorOps.Embedding(TokenEmbeddings, types));
        return x.Reshape(batch, seq, h); // [batch, seq, hidden]
    }

    /// <summary>transformer.ln_f: [batch, seq, hidden].</summary>
    private protected override Tensor Final(Tensor x) => _lnF.Forward(x);
}

/// <summary>Registers "gpt2".</summary>
public sealed class Gpt2Family : IModelFamily
{
    public IReadOnlyList<string> ModelTypes => ["gpt2"];

    public LanguageModel Load(ConfigJson config, ITensorSource weights) => new Gpt2LMHeadModel(config, weights);
}
