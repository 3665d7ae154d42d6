using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MLNet.Compression.AutoSearch.Space;

/// <summary>
/// An ordered set of dimensions (<see cref="Range"/>, <see cref="Choice"/>), shaped like Microsoft.ML.SearchSpace:
/// <c>new SearchSpace { new Range("x", 0, 1), new Choice("m", "a", "b") }</c> or <c>space["x"] = …</c>. Points are
/// <see cref="Parameters"/>; tuners work in the unit cube through <see cref="Encode"/> / <see cref="Decode"/>. Also read from
/// and written to JSON (docs/FORMATS.md, "Search spaces").
/// </summary>
public sealed class SearchSpace : IEnumerable<SearchParameter>
{
    private readonly List<SearchParameter> _dims = [];

    public SearchSpace() { }
    public SearchSpace(IEnumerable<SearchParameter> dims) { foreach (var d in dims) Add(d); }

    public int Count => _dims.Count;
    public IReadOnlyList<SearchParameter> Dimensions => _dims;

    /// <summary>Adds a dimension; names are unique.</summary>
    public void Add(SearchParameter p)
    {
        if (_dims.Any(d => d.Name == p.Name)) throw new ArgumentException($"search space: parameter '{p.Name}' is defined twice.");
        _dims.Add(p);
    }

    /// <summary>The dimension named <paramref name="name"/>; setting replaces it in place (a user narrowing a range or fixing a choice).</summary>
    public SearchParameter this[string name]
    {
        get => _dims.FirstOrDefault(d => d.Name == name) ?? throw new KeyNotFoundException($"search space: no parameter '{name}' (parameters: {Preview()}).");
        set
        {
            if (value.Name != name) value = value with { Name = name };
            int i = _dims.FindIndex(d => d.Name == name);
            if (i >= 0) _dims[i] = value; else _dims.Add(value);
        }
    }

    public bool Contains(string name) => _dims.Any(d => d.Name == name);

    /// <summary>The point at unit coordinates <paramref name="u"/> (one per dimension, in order).</summary>
    public Parameters Decode(IReadOnlyList<double> u)
    {
        if (u.Count != _dims.Count) throw new ArgumentException($"search space: {u.Count} coordinates for {_dims.Count} dimensions.");
        return new Parameters(_dims.Select((d, i) => new KeyValuePair<string, object>(d.Name, d.Decode(u[i]))));
    }

    /// <summary>The unit coordinates of <paramref name="p"/>.</summary>
    public double[] Encode(Parameters p) => _dims.Select(d => d.Encode(p[d.Name])).ToArray();

    /// <summary>A uniform random point.</summary>
    public Parameters Sample(Random rng) => Decode(_dims.Select(_ => rng.NextDouble()).ToArray());

    /// <summary>Throws naming the first parameter of <paramref name="p"/> that is missing, unknown or out of its dimension.</summary>
    public void Check(Parameters p, string where)
    {
        foreach (var d in _dims)
        {
            if (!p.Contains(d.Name)) throw new ArgumentException($"{where}: parameter '{d.Name}' is missing.");
            if (!d.Contains(p[d.Name])) throw new ArgumentException($"{where}: parameter '{d.Name}' = {p[d.Name]} is outside {d.Describe()}.");
        }
        foreach (var n in p.Names)
            if (!Contains(n)) throw new ArgumentException($"{where}: parameter '{n}' is not in the search space.");
    }

    /// <summary>A stable hash of the dimensions, stored with a study so a resume with another space is refused.</summary>
    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ToJson())))[..16].ToLowerInvariant();

    private string Preview() => string.Join(", ", _dims.Take(6).Select(d => d.Name)) + (_dims.Count > 6 ? ", …" : "");

    /// <summary>
    /// JSON: <c>{"parameters": [{"name": "x", "range": [0, 0.95]}, {"name": "y", "range": [1e-3, 1], "log": true},
    /// {"name": "s", "range": [0, 0.95], "step": 0.05}, {"name": "m", "choice": ["a", "b"]}]}</c>.
    /// </summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("parameters");
            foreach (var d in _dims)
            {
                w.WriteStartObject();
                w.WriteString("name", d.Name);
                switch (d)
                {
                    case Range r:
                        w.WriteStartArray("range"); w.WriteNumberValue(r.Min); w.WriteNumberValue(r.Max); w.WriteEndArray();
                        if (r.Log) w.WriteBoolean("log", true);
                        if (r.Step is double st) w.WriteNumber("step", st);
                        break;
                    case Choice c:
                        w.WriteStartArray("choice"); foreach (var o in c.Options) w.WriteStringValue(o); w.WriteEndArray();
                        break;
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Parses <see cref="ToJson"/>'s form; <paramref name="source"/> names the file in messages.</summary>
    public static SearchSpace FromJson(string json, string source)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON ({e.Message})."); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("parameters", out var ps) || ps.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{source}: expected an object with a \"parameters\" list.");
            var space = new SearchSpace();
            int i = 0;
            foreach (var p in ps.EnumerateArray())
            {
                string at = $"{source}: parameters[{i++}]";
                if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{at}: expected an object with a \"name\".");
                string name = n.GetString()!;
                foreach (var f in p.EnumerateObject())
                    if (f.Name is not ("name" or "range" or "choice" or "log" or "step"))
                        throw new InvalidDataException($"{at}.{f.Name}: unknown field (expected name, range, log, step or choice).");
                try
                {
                    if (p.TryGetProperty("range", out var r))
                    {
                        if (r.ValueKind != JsonValueKind.Array || r.GetArrayLength() != 2 || r.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                            throw new InvalidDataException($"{at}.range: expected [min, max].");
                        bool log = p.TryGetProperty("log", out var l) && l.ValueKind == JsonValueKind.True;
                        double? step = p.TryGetProperty("step", out var st) && st.ValueKind == JsonValueKind.Number ? st.GetDouble() : null;
                        space.Add(new Range(name, r[0].GetDouble(), r[1].GetDouble(), log, step));
                    }
                    else if (p.TryGetProperty("choice", out var c))
                    {
                        if (c.ValueKind != JsonValueKind.Array || c.EnumerateArray().Any(x => x.ValueKind is not (JsonValueKind.String or JsonValueKind.Number)))
                            throw new InvalidDataException($"{at}.choice: expected a list of labels.");
                        space.Add(new Choice(name, c.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToArray()));
                    }
                    else throw new InvalidDataException($"{at}: '{name}' has neither \"range\" nor \"choice\".");
                }
                catch (ArgumentException e) { throw new InvalidDataException($"{at}: {e.Message}"); }
            }
            return space;
        }
    }

    public IEnumerator<SearchParameter> GetEnumerator() => _dims.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
