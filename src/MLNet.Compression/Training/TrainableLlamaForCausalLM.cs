using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Modeling.Llama;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// LlamaForCausalLM on the tape (transformers v4.36 models/llama/modeling_llama.py, eager attention): embed_tokens →
/// pre-RMSNorm blocks (rotary q/k in the rotate_half layout, grouped-query causal attention, gated SiLU MLP) → norm →
/// lm_head (untied unless tie_word_embeddings). Positions are 0..length−1, as LlamaModel uses without position_ids.
/// </summary>
public sealed class TrainableLlamaForCausalLM : TrainableModel
{
    private readonly LlamaConfig _cfg;
    private readonly Rotary _rotary;
    private readonly Variable _embed; // [vocab, hidden]
    private readonly Layer[] _layers;
    private readonly Variable _norm;  // [hidden]
    private readonly Variable _head;  // [vocab, hidden]

    private sealed record Layer(Variable Q, Variable K, Variable V, Variable O, Variable Gate, Variable Up, Variable Down,
        Variable InputNorm, Variable PostNorm, Variable? Qb, Variable? Kb, Variable? Vb, Variable? Ob);

    public TrainableLlamaForCausalLM(ConfigJson config, ITensorSource w) : base(config)
    {
        _cfg = LlamaConfig.From(config);
        Require(config, _cfg.RopeScaling is null, "rope_scaling", "only null (no RoPE scaling)");
        _rotary = new Rotary(_cfg.HeadDim, _cfg.RopeTheta);
        int h = _cfg.HiddenSize, qd = _cfg.Heads * _cfg.HeadDim, kvd = _cfg.KvHeads * _cfg.HeadDim, inter = _cfg.IntermediateSize;
        _embed = Add(w, "model.embed_tokens.weight", _cfg.VocabSize, h);
        _layers = new Layer[_cfg.Layers];
        bool bias = _cfg.AttentionBias;
        for (int i = 0; i < _cfg.Layers; i++)
        {
            string p = $"model.layers.{i}";
            // LlamaAttention registers q, k, v, o (each weight then bias); LlamaMLP gate, up, down; then the two norms.
            var q = Add(w, $"{p}.self_attn.q_proj.weight", qd, h);
            var qb = bias ? Add(w, $"{p}.self_attn.q_proj.bias", qd) : null;
            var k = Add(w, $"{p}.self_attn.k_proj.weight", kvd, h);
            var kb = bias ? Add(w, $"{p}.self_attn.k_proj.bias", kvd) : null;
            var v = Add(w, $"{p}.self_attn.v_proj.weight", kvd, h);
            var vb = bias ? Add(w, $"{p}.self_attn.v_proj.bias", kvd) : null;
            var o = Add(w, $"{p}.self_attn.o_proj.weight", h, qd);
            var ob = bias ? Add(w, $"{p}.self_attn.o_proj.bias", h) : null;
            var gate = Add(w, $"{p}.mlp.gate_proj.weight", inter, h);
            var up = Add(w, $"{p}.mlp.up_proj.weight", inter, h);
            var down = Add(w, $"{p}.mlp.down_proj.weight", h, inter);
            var inNorm = Add(w, $"{p}.input_layernorm.weight", h);
            var postNorm = Add(w, $"{p}.post_attention_layernorm.weight", h);
            _layers[i] = new Layer(q, k, v, o, gate, up, down, inNorm, postNorm, qb, kb, vb, ob);
        }
        _norm = Add(w, "model.norm.weight", h);
        _head = _cfg.TieWordEmbeddings ? _embed : Add(w, "lm_head.weight", _cfg.VocabSize, h);
    }

    public override string ModelType => "llama";
    public override ModelKind Kind => ModelKind.CausalLM;
    public LlamaConfig LlamaConfig => _cfg;

    public override Variable Loss(Tape tape, TrainingBatch batch)
    {
        batch.Validate();
        int b = batch.Batch, s = batch.Length, h = _cfg.HiddenSize, d = _cfg.HeadDim;
        int[] positions = Positions.Arange(b, s);
        var x = tape.Reshape(tape.Embedding(_embed, batch.InputIds), b, s, h); // [b, s, h]
        float scale = 1f / MathF.Sqrt(d);
        foreach (var l in _layers)
        {
            var n = tape.RmsNorm(x, l.InputNorm, _cfg.RmsNormEps);
            var q = tape.Rotary(tape.Linear(n, l.Q, l.Qb), _rotary, positions, _cfg.Heads, d);   // [b, s, heads·d]
            var k = tape.Rotary(tape.Linear(n, l.K, l.Kb), _rotary, positions, _cfg.KvHeads, d); // [b, s, kvHeads·d]
            var v = tape.Linear(n, l.V, l.Vb);                                                   // [b, s, kvHeads·d]
            var ctx = tape.Attention(q, k, v, _cfg.Heads, _cfg.KvHeads, d, scale, batch.AttentionMask, causal: true);
            x = tape.Add(x, tape.Linear(ctx, l.O, l.Ob));
            var m = tape.RmsNorm(x, l.PostNorm, _cfg.RmsNormEps);
            var gated = tape.Mul(tape.Activation(tape.Linear(m, l.Gate), _cfg.HiddenAct), tape.Linear(m, l.Up)); // [b, s, intermediate]
            x = tape.Add(x, tape.Linear(gated, l.Down));
        }
        x = tape.RmsNorm(x, _norm, _cfg.RmsNormEps);
        var (rows, targets) = LabelledRows(Targets(batch, shift: true));
        var logits = tape.Linear(tape.GatherRows(x, rows), _head); // [labelled, vocab]
        return tape.CrossEntropy(logits, targets);
    }
}
