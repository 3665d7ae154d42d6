using System.Globalization;
using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;

namespace MLNet.Compression.Pruning;

/// <summary>
/// Per-layer sparsity: Hugging Face key name → fraction of weights to prune. Built in code, read from JSON
/// (<c>{ "bert.encoder.layer.0.attention.self.query": 0.5, ... }</c>, a trailing ".weight" is accepted), or proposed by
/// the search. With a plan, exactly the layers it names are pruned, each at its own sparsity.
/// </summary>
public sealed class SparsityPlan
{
    private readonly Dictionary<string, double> _layers;

    public SparsityPlan(IReadOnlyDictionary<string, double> layers)
    {
        _layers = new(StringComparer.Ordinal);
        foreach (var (key, value) in layers)
        {
            if (double.IsNaN(value) || value < 0 || value > 1)
                throw new ArgumentOutOfRangeException(nameof(layers), $"sparsity plan: \"{key}\" asks for sparsity {value}, expected a number in [0, 1].");
            _layers[StripWeight(key)] = value;
        }
        if (_layers.Count == 0) throw new ArgumentException("sparsity plan names no layer.");
    }

    /// <summary>Layer name → sparsity.</summary>
    public IReadOnlyDictionary<string, double> Layers => _layers;

    /// <summary>Reads a plan file; a malformed file is a <see cref="CheckpointException"/> naming the file and key.</summary>
    public static SparsityPlan FromJsonFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CheckpointException(path, null, $"cannot read the sparsity plan: {e.Message}"); }
        return FromJson(text, path);
    }

    /// <summary>Parses plan JSON; <paramref name="source"/> names it in errors.</summary>
    public static SparsityPlan FromJson(string json, string source = "sparsity plan")
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new CheckpointException(source, null, $"is not valid JSON (line {e.LineNumber + 1}): {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(source, null, "must be a JSON object of layer name → sparsity.");
            var layers = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetDouble(out double v) || v < 0 || v > 1)
                    throw new CheckpointException(source, p.Name, $"expected a sparsity between 0 and 1, got {p.Value.GetRawText()}.");
                layers[p.Name] = v;
            }
            if (layers.Count == 0) throw new CheckpointException(source, null, "names no layer.");
            return new SparsityPlan(layers);
        }
    }

    /// <summary>The plan as JSON, in the form <see cref="FromJson"/> reads.</summary>
    public string ToJson()
        => JsonSerializer.Serialize(_layers.ToDictionary(p => p.Key, p => p.Value), new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The model's layers this plan names, in checkpoint order; a name the model lacks is an error that shows one it has.</summary>
    public IReadOnlyList<(Linear Layer, double Sparsity)> Resolve(LanguageModel model)
    {
        var byName = model.Linears.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var key in _layers.Keys)
            if (!byName.ContainsKey(key))
                throw new ArgumentException($"sparsity plan: this {model.ModelType} model has no linear layer \"{key}\" (layers are named like \"{model.Linears[0].Name}\").");
        return model.Linears.Where(l => _layers.ContainsKey(l.Name)).Distinct().Select(l => (l, _layers[l.Name])).ToList();
    }

    public override string ToString()
        => string.Join(", ", _layers.Select(p => $"{p.Key}={p.Value.ToString("0.###", CultureInfo.InvariantCulture)}"));

    private static string StripWeight(string key) => key.EndsWith(".weight", StringComparison.Ordinal) ? key[..^".weight".Length] : key;
}
