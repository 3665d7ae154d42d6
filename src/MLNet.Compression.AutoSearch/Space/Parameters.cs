using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MLNet.Compression.AutoSearch.Space;

/// <summary>
/// One point of a <see cref="SearchSpace"/>: parameter name → value (a number for a <see cref="Range"/>, a string for a
/// <see cref="Choice"/>), like Microsoft.ML.SearchSpace's Parameter. Immutable; names are kept sorted so two equal points
/// have the same <see cref="ToJson"/> text and the same <see cref="Hash"/>, which the store uses to refuse running a
/// parameter set twice.
/// </summary>
public sealed class Parameters : IEquatable<Parameters>
{
    private readonly SortedDictionary<string, object> _values;

    public Parameters(IEnumerable<KeyValuePair<string, object>> values)
    {
        _values = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (k, v) in values)
            _values[k] = v switch
            {
                double d => d,
                float f => (double)f,
                int i => (double)i,
                string s => s,
                _ => throw new ArgumentException($"parameter '{k}': {v?.GetType().Name ?? "null"} is not a number or a string."),
            };
    }

    public IEnumerable<string> Names => _values.Keys;
    public int Count => _values.Count;
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>The numeric value of <paramref name="name"/>.</summary>
    public double Number(string name) => _values.TryGetValue(name, out var v) && v is double d ? d
        : throw new KeyNotFoundException($"parameter '{name}' is not a number in this point.");

    /// <summary>The string value of <paramref name="name"/>.</summary>
    public string Text(string name) => _values.TryGetValue(name, out var v) && v is string s ? s
        : throw new KeyNotFoundException($"parameter '{name}' is not a choice in this point.");

    /// <summary>The raw value (double or string).</summary>
    public object this[string name] => _values[name];

    /// <summary>A copy with <paramref name="name"/> set to <paramref name="value"/>.</summary>
    public Parameters With(string name, object value)
    {
        var copy = new Dictionary<string, object>(_values) { [name] = value };
        return new Parameters(copy);
    }

    /// <summary>Canonical JSON: an object with sorted keys; numbers in round-trip form.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (k, v) in _values)
            {
                if (v is double d) w.WriteNumber(k, d);
                else w.WriteString(k, (string)v);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static Parameters FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var values = new List<KeyValuePair<string, object>>();
        foreach (var p in doc.RootElement.EnumerateObject())
            values.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : (object)(p.Value.GetString() ?? "")));
        return new Parameters(values);
    }

    /// <summary>SHA-256 of <see cref="ToJson"/>, hex, first 32 characters.</summary>
    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())))[..32].ToLowerInvariant();

    public bool Equals(Parameters? other) => other is not null && ToJson() == other.ToJson();
    public override bool Equals(object? obj) => obj is Parameters p && Equals(p);
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
    public override string ToString() => string.Join(", ", _values.Select(kv => kv.Value is double d ? $"{kv.Key}={d.ToString("G4", CultureInfo.InvariantCulture)}" : $"{kv.Key}={kv.Value}"));
}
