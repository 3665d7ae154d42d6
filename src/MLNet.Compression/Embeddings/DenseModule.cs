using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Embeddings;

/// <summary>
/// sentence-transformers' Dense module (sentence_transformers/models/Dense.py): y = activation(W·x + b) on the pooled
/// vector, with W [out, in] under "linear.weight" in the module folder's model.safetensors.
/// </summary>
public sealed class DenseModule
{
    private readonly float[] _weight;   // [out, in]
    private readonly float[]? _bias;    // [out]
    private readonly bool _tanh;

    private DenseModule(int inFeatures, int outFeatures, float[] weight, float[]? bias, bool tanh)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _weight = weight;
        _bias = bias;
        _tanh = tanh;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>W [out, in], row-major.</summary>
    public ReadOnlyMemory<float> Weight => _weight;

    /// <summary>b [out], or empty without a bias.</summary>
    public ReadOnlyMemory<float> Bias => _bias;

    public bool HasBias => _bias is not null;

    /// <summary>True for tanh, false for the identity (the two activations sentence-transformers' Dense modules use).</summary>
    public bool Tanh => _tanh;

    /// <summary>A Dense module from its parts: <paramref name="weight"/> [out, in], <paramref name="bias"/> [out] or null.</summary>
    public static DenseModule Create(int inFeatures, int outFeatures, float[] weight, float[]? bias, bool tanh)
    {
        if (inFeatures < 1 || outFeatures < 1) throw new ArgumentException($"a Dense module of {inFeatures} → {outFeatures} features (expected positive sizes).");
        if (weight.Length != (long)inFeatures * outFeatures) throw new ArgumentException($"a Dense module of {inFeatures} → {outFeatures} features needs {(long)inFeatures * outFeatures} weights, got {weight.Length}.");
        if (bias is not null && bias.Length != outFeatures) throw new ArgumentException($"a Dense module with {outFeatures} outputs needs {outFeatures} biases, got {bias.Length}.");
        return new DenseModule(inFeatures, outFeatures, weight, bias, tanh);
    }

    /// <summary>Reads config.json (in_features, out_features, bias, activation_function) and model.safetensors of <paramref name="dir"/>.</summary>
    public static DenseModule Load(string dir)
    {
        string configPath = Path.Combine(dir, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: file not found (a Dense module needs its config.json).");
        using var doc = JsonDocument.Parse(File.ReadAllText(configPath));
        var r = doc.RootElement;
        int Int(string f) => r.TryGetProperty(f, out var v) && v.TryGetInt32(out int x) && x > 0 ? x
            : throw new InvalidDataException($"{configPath}: {f}: expected a positive integer.");
        int inF = Int("in_features"), outF = Int("out_features");
        bool bias = !(r.TryGetProperty("bias", out var b) && b.ValueKind == JsonValueKind.False);
        string act = r.TryGetProperty("activation_function", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "torch.nn.modules.activation.Tanh";
        bool tanh = act.EndsWith("Tanh", StringComparison.Ordinal);
        if (!tanh && !act.EndsWith("Identity", StringComparison.Ordinal))
            throw new InvalidDataException($"{configPath}: activation_function \"{act}\" (expected torch.nn.modules.activation.Tanh or torch.nn.modules.linear.Identity).");
        string weightsPath = Path.Combine(dir, "model.safetensors");
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{weightsPath}: file not found (a Dense module's weights are read from safetensors only).");
        using var file = SafeTensorsFile.Open(weightsPath);
        float[] Read(string key, int[] shape)
        {
            if (!file.Contains(key)) throw new InvalidDataException($"{weightsPath}: '{key}' is missing.");
            if (!file.Info(key).Shape.AsSpan().SequenceEqual(shape))
                throw new InvalidDataException($"{weightsPath}: '{key}' has shape [{string.Join(", ", file.Info(key).Shape)}], expected [{string.Join(", ", shape)}].");
            return file.ReadFloat32(key);
        }
        return new DenseModule(inF, outF, Read("linear.weight", [outF, inF]), bias ? Read("linear.bias", [outF]) : null, tanh);
    }

    /// <summary>[in] → [out]</summary>
    public float[] Apply(float[] x)
    {
        if (x.Length != InFeatures) throw new ArgumentException($"the Dense module takes {InFeatures} values but the pooled vector has {x.Length}.");
        var y = new float[OutFeatures];
        for (int o = 0; o < OutFeatures; o++)
        {
            double s = _bias?[o] ?? 0;
            var row = _weight.AsSpan(o * InFeatures, InFeatures);
            for (int i = 0; i < InFeatures; i++) s += row[i] * x[i];
            y[o] = (float)(_tanh ? Math.Tanh(s) : s);
        }
        return y;
    }
}
