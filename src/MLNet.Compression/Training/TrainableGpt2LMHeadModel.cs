using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Gpt2;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// GPT2LMHeadModel on the tape (transformers v4.36 models/gpt2/modeling_gpt2.py, dropout off): wte + wpe → pre-LayerNorm
/// blocks (fused c_attn split into q, k, v; causal attention; Conv1D weights kept in their [in, out] checkpoint layout)
/// → ln_f → lm_head tied to wte. Positions are 0..length−1 for every row, as GPT2Model uses without position_ids.
/// </summary>
public sealed class TrainableGpt2LMHeadModel : TrainableModel
{
    private readonly Gpt2Config _cfg;
    private readonly Variable _wte; // [vocab, hidden]
    private readonly Variable _wpe; // [maxPositions, hidden]
    private readonly Block[] _blocks;
    private readonly Variable _lnFw, _lnFb; // [hidden]

    private sealed record Block(Variable Ln1W, Variable Ln1B, Variable AttnW, Variable AttnB, Variable ProjW, Variable ProjB,
        Variable Ln2W, Variable Ln2B, Variable FcW, Variable FcB, Variable MlpProjW, Variable MlpProjB);

    public TrainableGpt2LMHeadModel(ConfigJson config, ITensorSource w) : base(config)
    {
        _cfg = Gpt2Config.From(config);
        Require(config, _cfg.TieWordEmbeddings, "tie_word_embeddings", "lm_head must be tied to wte");
        int h = _cfg.HiddenSize, inner = _cfg.InnerSize;
        _wte = Add(w, "transformer.wte.weight", _cfg.VocabSize, h);
        _wpe = Add(w, "transformer.wpe.weight", _cfg.MaxPositions, h);
        _blocks = new Block[_cfg.Layers];
        for (int i = 0; i < _cfg.Layers; i++)
        {
            string p = $"transformer.h.{i}";
            _blocks[i] = new Block(
                Add(w, $"{p}.ln_1.weight", h), Add(w, $"{p}.ln_1.bias", h),
                Add(w, $"{p}.attn.c_attn.weight", h, 3 * h), Add(w, $"{p}.attn.c_attn.bias", 3 * h),
                Add(w, $"{p}.attn.c_proj.weight", h, h), Add(w, $"{p}.attn.c_proj.bias", h),
                Add(w, $"{p}.ln_2.weight", h), Add(w, $"{p}.ln_2.bias", h),
                Add(w, $"{p}.mlp.c_fc.weight", h, inner), Add(w, $"{p}.mlp.c_fc.bias", inner),
                Add(w, $"{p}.mlp.c_proj.weight", inner, h), Add(w, $"{p}.mlp.c_proj.bias", h));
        }
        _lnFw = Add(w, "transformer.ln_f.weight", h);
        _lnFb = Add(w, "transformer.ln_f.bias", h);
    }

    public override string ModelType => "gpt2";
    public override ModelKind Kind => ModelKind.CausalLM;
    public Gpt2Config Gpt2Config => _cfg;

    public override Variable Loss(Tape tape, TrainingBatch batch)
    {
        batch.Validate();
        int b = batch.Batch, s = batch.Length, h = _cfg.HiddenSize;
        if (s > _cfg.MaxPositions) throw new ArgumentException($"Rows of {s} tokens exceed n_positions = {_cfg.MaxPositions}.");
        var x = tape.Add(tape.Embedding(_wte, batch.InputIds), tape.Embedding(_wpe, Positions.Arange(b, s))); // [b·s, h]
        x = tape.Reshape(x, b, s, h); // [b, s, h]
        for (int i = 0; i < _blocks.Length; i++)
        {
            var l = _blocks[i];
            var qkv = tape.Linear(tape.LayerNorm(x, l.Ln1W, l.Ln1B, _cfg.LayerNormEps), l.AttnW, l.AttnB, conv1D: true); // [b, s, 3h]
            var ctx = tape.Attention(tape.SliceLast(qkv, 0, h), tape.SliceLast(qkv, h, h), tape.SliceLast(qkv, 2 * h, h),
                _cfg.Heads, _cfg.Heads, _cfg.HeadDim, _cfg.AttentionScale(i), batch.AttentionMask, causal: true); // [b, s, h]
            x = tape.Add(x, tape.Linear(ctx, l.ProjW, l.ProjB, conv1D: true));
            var inner = tape.Activation(tape.Linear(tape.LayerNorm(x, l.Ln2W, l.Ln2B, _cfg.LayerNormEps), l.FcW, l.FcB, conv1D: true), _cfg.Activation);
            x = tape.Add(x, tape.Linear(inner, l.MlpProjW, l.MlpProjB, conv1D: true));
        }
        x = tape.LayerNorm(x, _lnFw, _lnFb, _cfg.LayerNormEps);
        var (rows, targets) = LabelledRows(Targets(batch, shift: true));
        var logits = tape.Linear(tape.GatherRows(x, rows), _wte); // [labelled, vocab]
        return tape.CrossEntropy(logits, targets);
    }
}
