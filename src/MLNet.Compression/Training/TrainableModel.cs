using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// A <see cref="LanguageModel"/> of any family, trained through its own forward pass: the inference code runs with a
/// <see cref="Tape"/> recording (<see cref="Tape.StartRecording"/>), so key names, shapes, config handling and the forward live once
/// per family and a family added later trains with no code here. Its parameters are the model's own arrays (updates show
/// in the model at once), named by their Hugging Face keys; tied weights are one parameter, under the name met first.
/// </summary>
public sealed class TrainableModel
{
    private readonly List<Variable> _parameters = [];
    private readonly List<Tensor> _constants = [];
    private readonly HashSet<Variable> _transposed = new(ReferenceEqualityComparer.Instance);

    /// <summary>Wraps <paramref name="model"/>; its weights must be dense float32 (see <see cref="Linear"/> forms).</summary>
    /// <remarks>The model's arrays are trained in place: wrap a copy (<see cref="Copy"/>) when another model shares them.</remarks>
    public TrainableModel(LanguageModel model)
    {
        Model = model;
        if (model.Config is null) throw new ArgumentException($"This {model.ModelType} model has no config.json to train from.", nameof(model));
        var seen = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        foreach (var t in model.OtherTensors)
        {
            if (!seen.Add(t.Value.Data)) continue;
            if (t.IsBuffer) _constants.Add(t.Value);
            else _parameters.Add(new Variable(t.Value, requiresGrad: true, name: t.Key));
        }
        foreach (var l in model.Linears)
        {
            if (l.Weight is not DenseWeight dense)
                throw new InvalidOperationException($"{l.Name}: its {l.Weight.Format} weight cannot be trained directly; recovery training makes it dense with a fixed mask or a straight-through quantizer first.");
            if (seen.Add(dense.Value.Data))
            {
                var p = new Variable(dense.Value, requiresGrad: true, name: l.Name + ".weight");
                _parameters.Add(p);
                if (l.StoredTransposed) _transposed.Add(p);
            }
            if (l.Bias is { } b && seen.Add(b)) _parameters.Add(new Variable(new Tensor(b, b.Length), requiresGrad: true, name: l.Name + ".bias"));
        }
    }

    /// <summary>The model being trained; evaluators and savers use it directly.</summary>
    public LanguageModel Model { get; }

    /// <summary>config.json of the model.</summary>
    public ConfigJson Config => Model.Config!;

    /// <summary>config.json "model_type".</summary>
    public string ModelType => Model.ModelType;

    public ModelKind Kind => Model.Kind;

    /// <summary>Every trainable tensor once (tied weights once, under the first name met).</summary>
    public IReadOnlyList<Variable> Parameters => _parameters;

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Value.Length);

    /// <summary>Parameter by Hugging Face key.</summary>
    public Variable Parameter(string name)
        => _parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"{ModelType} model has no parameter '{name}'.");

    /// <summary>
    /// True for a GPT-2 Conv1D weight: the checkpoint stores it [in, out], the model (and so the parameter and its
    /// gradient) [out, in].
    /// </summary>
    public bool IsStoredTransposed(Variable parameter) => _transposed.Contains(parameter);

    /// <summary>
    /// The model's forward pass recorded on <paramref name="tape"/>: the output tensors are tape values (valid until the
    /// tape's next reset) whose variables <see cref="Tape.Of(Tensor)"/> returns, for a loss built on them.
    /// </summary>
    public ModelOutput Forward(Tape tape, ModelInput input, ForwardOptions? options = null)
    {
        foreach (var p in _parameters) tape.Bind(p);
        foreach (var c in _constants) tape.BindConstant(c);
        using (tape.StartRecording()) return Model.Forward(input, options);
    }

    /// <summary>
    /// Records the forward pass of <paramref name="batch"/> and returns the mean cross-entropy over the labelled tokens:
    /// what Hugging Face's model(**inputs, labels=labels) returns with dropout off. A causal LM predicts labels[t + 1] at t;
    /// a masked LM its labels where they are set; a seq2seq LM decodes labels shifted right behind the decoder start token
    /// (shift_tokens_right / T5's _shift_right) and predicts each label.
    /// </summary>
    public Variable Loss(Tape tape, TrainingBatch batch)
    {
        var (input, targets) = LabelledInput(batch);
        var (rows, picked) = LabelledRows(targets);
        // A masked-LM batch can draw no masked token; it then contributes nothing (zero loss, no gradient) rather than NaN.
        if (rows.Length == 0) return new Variable(Tensor.Zeros(1));
        var output = Forward(tape, input, new ForwardOptions { LogitPositions = rows });
        return tape.CrossEntropy(tape.Of(output.Logits), picked); // over [labelled, vocab]
    }

    /// <summary>The model input of a batch and the target of every flat logit row (−100 where none).</summary>
    public (ModelInput Input, int[] Targets) LabelledInput(TrainingBatch batch)
    {
        batch.Validate();
        var tokens = new TokenBatch(batch.Batch, batch.Length, batch.InputIds, batch.AttentionMask);
        switch (Kind)
        {
            case ModelKind.CausalLM:
                return (new ModelInput(tokens, batch.TokenTypeIds), ShiftedTargets(batch));
            case ModelKind.Seq2SeqLM:
                int start = Model.Generation.DecoderStartTokenId ?? Model.Generation.PadTokenId ?? 0;
                int pad = Model.Generation.PadTokenId ?? 0;
                int len = batch.LabelLength;
                var dec = new int[batch.Batch * len];
                for (int b = 0; b < batch.Batch; b++)
                    for (int t = 0; t < len; t++)
                    {
                        int prev = t == 0 ? start : batch.Labels[b * len + t - 1];
                        dec[b * len + t] = prev == Tape.IgnoreIndex ? pad : prev;
                    }
                return (new ModelInput(tokens, batch.TokenTypeIds, new TokenBatch(batch.Batch, len, dec)), batch.Labels);
            default:
                return (new ModelInput(tokens, batch.TokenTypeIds), batch.Labels);
        }
    }

    /// <summary>Drops every parameter's gradient (zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.Grad = null;
    }

    /// <summary>Writes config.json and model.safetensors (float32, Hugging Face keys and layouts), atomically.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        var source = new ModelTensorSource(Model);
        foreach (var key in source.Keys) writer.Add(key, source.ReadFloat32(key), source.Shape(key));
        writer.Save(Path.Combine(folder, "model.safetensors"));
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), Config.Root.GetRawText());
    }

    /// <summary>Loads a model folder (config.json + safetensors) for training.</summary>
    public static TrainableModel Load(string folder)
    {
        var config = ConfigJson.Load(Path.Combine(folder, "config.json"));
        using var weights = SafeTensorsCheckpoint.Open(folder);
        return FromSource(config, weights);
    }

    /// <summary>
    /// A freshly initialised model for <paramref name="config"/>: normal(0, initializer_range) matrices and embeddings,
    /// ones for norm scales, zeros for biases (Hugging Face's _init_weights), from a seeded generator.
    /// </summary>
    public static TrainableModel Create(ConfigJson config, int seed = 0)
        => FromSource(config, new RandomWeights(seed, (float)config.Double("initializer_range", config.Double("init_std", 0.02))));

    /// <summary>Builds the model of config.json's model_type from a tensor source, on arrays of its own.</summary>
    public static TrainableModel FromSource(ConfigJson config, ITensorSource weights)
        => new(ModelLoader.FamilyOf(config).Load(config, weights is RandomWeights ? weights : new CopiedTensorSource(weights)));

    /// <summary>A trainable copy of <paramref name="model"/> that shares no array with it.</summary>
    public static TrainableModel Copy(LanguageModel model)
    {
        if (model.Config is null) throw new ArgumentException($"This {model.ModelType} model has no config.json to train from.", nameof(model));
        return FromSource(model.Config, new ModelTensorSource(model));
    }

    /// <summary>For a causal LM: the target of row t is labels[t + 1] (−100 at a row's last position).</summary>
    private static int[] ShiftedTargets(TrainingBatch batch)
    {
        var t = new int[batch.Labels.Length];
        for (int b = 0; b < batch.Batch; b++)
            for (int i = 0; i < batch.Length; i++)
                t[b * batch.Length + i] = i + 1 < batch.Length ? batch.Labels[b * batch.Length + i + 1] : Tape.IgnoreIndex;
        return t;
    }

    /// <summary>
    /// The rows whose target counts, and those targets: the vocabulary projection runs for these rows only, which gives
    /// the same loss and gradients as projecting every row and ignoring the rest.
    /// </summary>
    private static (int[] Rows, int[] Targets) LabelledRows(int[] targets)
    {
        var rows = new List<int>();
        for (int i = 0; i < targets.Length; i++) if (targets[i] != Tape.IgnoreIndex) rows.Add(i);
        return (rows.ToArray(), rows.Select(r => targets[r]).ToArray());
    }

    /// <summary>Hands out copies of another source's arrays, so the model built on it owns its weights.</summary>
    private sealed class CopiedTensorSource(ITensorSource inner) : ITensorSource
    {
        public string Location => inner.Location;
        public IEnumerable<string> Keys => inner.Keys;
        public bool Contains(string key) => inner.Contains(key);
        public int[] Shape(string key) => inner.Shape(key);
        public float[] ReadFloat32(string key) => (float[])inner.ReadFloat32(key).Clone();
        public string Describe(string key) => inner.Describe(key);
        public void Dispose() { }
    }
}
