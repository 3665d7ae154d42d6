using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tensors.Autograd;

namespace MLNet.Compression.Training;

/// <summary>
/// A model whose forward pass runs on a <see cref="Tape"/>, so it can be trained. Its parameters carry the Hugging Face
/// key names of the inference family with the same model_type, in the order of PyTorch's named_parameters() (tied
/// weights once, under their first name), and <see cref="Save"/> writes config.json + model.safetensors that
/// <see cref="ModelLoader.Load"/> (and Hugging Face) read back.
/// </summary>
public abstract class TrainableModel
{
    private readonly List<Variable> _parameters = [];

    protected TrainableModel(ConfigJson config) => Config = config;

    /// <summary>The config.json this model was built from; written back unchanged by <see cref="Save"/>.</summary>
    public ConfigJson Config { get; }

    /// <summary>config.json "model_type".</summary>
    public abstract string ModelType { get; }

    /// <summary>Masked LM (labels at masked positions) or causal LM (labels shifted inside the model).</summary>
    public abstract ModelKind Kind { get; }

    /// <summary>Every trainable tensor once, in named_parameters() order.</summary>
    public IReadOnlyList<Variable> Parameters => _parameters;

    /// <summary>Parameter by Hugging Face key.</summary>
    public Variable Parameter(string name)
        => _parameters.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"{ModelType} model has no parameter '{name}'.");

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => _parameters.Sum(p => (long)p.Value.Length);

    /// <summary>
    /// Records the forward pass of <paramref name="batch"/> on the tape and returns the mean cross-entropy over the labelled
    /// tokens (the loss Hugging Face's model(**inputs, labels=labels) returns, with dropout off).
    /// </summary>
    public abstract Variable Loss(Tape tape, TrainingBatch batch);

    /// <summary>Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)): a parameter the next backward
    /// pass does not reach has no gradient, and clipping and AdamW skip it as PyTorch's do.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _parameters) p.Grad = null;
    }

    /// <summary>Writes config.json and model.safetensors (float32, parameter keys as named_parameters() gives them), atomically.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var writer = new SafeTensorsWriter().AddMetadata("format", "pt");
        foreach (var p in _parameters) writer.Add(p.Name!, p.Value.Data, p.Shape);
        writer.Save(Path.Combine(folder, "model.safetensors"));
        var json = JsonNode.Parse(Config.Root.GetRawText())!.AsObject();
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
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
        => FromSource(config, new RandomWeights(seed, (float)config.Double("initializer_range", 0.02)));

    /// <summary>Builds the trainable model of config.json's model_type (bert, gpt2, llama) from a tensor source.</summary>
    public static TrainableModel FromSource(ConfigJson config, ITensorSource weights)
    {
        string type = config.StringOrNull("model_type") ?? throw config.Missing("model_type", "\"bert\", \"gpt2\" or \"llama\"");
        return type switch
        {
            "bert" => new TrainableBertForMaskedLM(config, weights),
            "gpt2" => new TrainableGpt2LMHeadModel(config, weights),
            "llama" => new TrainableLlamaForCausalLM(config, weights),
            _ => throw new CheckpointException(config.Path, "model_type", $"training supports bert, gpt2 and llama models, not \"{type}\"."),
        };
    }

    /// <summary>Reads (or, from <see cref="RandomWeights"/>, invents) a parameter, checking its shape, and registers it.</summary>
    protected Variable Add(ITensorSource source, string key, params int[] shape)
    {
        if (source is RandomWeights random) random.Make(key, shape);
        if (!source.Contains(key))
            throw new CheckpointException(source.Location, key, $"missing; a {ModelType} model with this config needs it with shape [{string.Join(", ", shape)}].");
        var stored = source.Shape(key);
        if (!stored.SequenceEqual(shape))
            throw new CheckpointException(source.Describe(key), key, $"has shape [{string.Join(", ", stored)}], expected [{string.Join(", ", shape)}] from config.json.");
        var data = source.ReadFloat32(key);
        var p = new Variable(new Tensor(data.Length == Tensor.ShapeSize(shape) ? (float[])data.Clone() : data[..(int)Tensor.ShapeSize(shape)], shape), requiresGrad: true, name: key);
        _parameters.Add(p);
        return p;
    }

    /// <summary>Targets per row of the flattened [batch·length] logits: the labels, or for a causal LM labels[t + 1] (−100 at the last position).</summary>
    protected static int[] Targets(TrainingBatch batch, bool shift)
    {
        if (!shift) return batch.Labels;
        var t = new int[batch.Labels.Length];
        for (int b = 0; b < batch.Batch; b++)
            for (int i = 0; i < batch.Length; i++)
                t[b * batch.Length + i] = i + 1 < batch.Length ? batch.Labels[b * batch.Length + i + 1] : Tape.IgnoreIndex;
        return t;
    }

    /// <summary>
    /// The rows whose target counts, and those targets: the vocabulary projection is computed for these rows only,
    /// which gives the same loss and gradients as projecting every row and ignoring the rest.
    /// </summary>
    protected static (int[] Rows, int[] Targets) LabelledRows(int[] targets)
    {
        var rows = new List<int>();
        for (int i = 0; i < targets.Length; i++) if (targets[i] != Tape.IgnoreIndex) rows.Add(i);
        return (rows.ToArray(), rows.Select(r => targets[r]).ToArray());
    }

    /// <summary>Fails with the config file and field when a setting the trainer does not implement is on.</summary>
    protected static void Require(ConfigJson c, bool ok, string field, string what)
    {
        if (!ok) throw new CheckpointException(c.Path, field, $"training does not support this setting ({what}).");
    }
}
