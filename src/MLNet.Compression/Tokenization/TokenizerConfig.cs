using System.Text.Json;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// What a model folder says about its tokenizer: tokenizer_config.json, special_tokens_map.json (which wins for the
/// named special tokens, as in transformers), added_tokens.json, and config.json's model_type.
/// </summary>
public sealed class TokenizerConfig
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);

    /// <summary>The folder read.</summary>
    public string Folder { get; }

    /// <summary>config.json's model_type (bert, roberta, gpt2, t5, …) or null.</summary>
    public string? ModelType { get; private set; }

    /// <summary>tokenizer_config.json's tokenizer_class or null.</summary>
    public string? TokenizerClass => String("tokenizer_class");

    /// <summary>Added tokens by id (tokenizer_config.json added_tokens_decoder, then added_tokens.json).</summary>
    public List<AddedToken> AddedTokens { get; } = new();

    private TokenizerConfig(string folder) => Folder = folder;

    /// <summary>Reads the JSON files of a model folder; missing files are fine, malformed ones are not.</summary>
    public static TokenizerConfig Read(string folder)
    {
        var c = new TokenizerConfig(folder);
        var cfg = ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        if (cfg is { } tc)
        {
            foreach (var p in tc.EnumerateObject()) c._values[p.Name] = p.Value.Clone();
            if (tc.TryGetProperty("added_tokens_decoder", out var dec) && dec.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in dec.EnumerateObject())
                {
                    if (!int.TryParse(p.Name, out int id)) continue;
                    c.AddedTokens.Add(ParseAdded(p.Value, id));
                }
            }
        }
        if (ReadObject(Path.Combine(folder, "special_tokens_map.json")) is { } sm)
            foreach (var p in sm.EnumerateObject()) c._values[p.Name] = p.Value.Clone();
        if (ReadObject(Path.Combine(folder, "added_tokens.json")) is { } at)
        {
            foreach (var p in at.EnumerateObject())
                if (p.Value.TryGetInt32(out int id) && !c.AddedTokens.Any(a => a.Id == id))
                    c.AddedTokens.Add(new AddedToken(p.Name, id, Special: false));
        }
        if (ReadObject(Path.Combine(folder, "config.json")) is { } mc && mc.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String)
            c.ModelType = mt.GetString();
        return c;
    }

    private static AddedToken ParseAdded(JsonElement e, int id)
    {
        if (e.ValueKind == JsonValueKind.String) return new AddedToken(e.GetString()!, id);
        string content = e.TryGetProperty("content", out var ct) ? ct.GetString() ?? "" : "";
        bool Flag(string name, bool def) => e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : def;
        return new AddedToken(content, id, Flag("special", false), Flag("lstrip", false), Flag("rstrip", false), Flag("normalized", true));
    }

    private static JsonElement? ReadObject(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerLoadException(path, "expected a JSON object.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new TokenizerLoadException(path, "the file is not valid JSON: " + e.Message, e); }
    }

    /// <summary>config.json's model_type in a folder, or null when there is no config.json or no model_type.</summary>
    public static string? ReadModelType(string folder) => Read(folder).ModelType;

    /// <summary>A string value, or the content of an AddedToken-shaped object.</summary>
    public string? String(string key)
    {
        if (!_values.TryGetValue(key, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var c) => c.GetString(),
            _ => null,
        };
    }

    /// <summary>Whether a key is present (even as null).</summary>
    public bool Has(string key) => _values.ContainsKey(key);

    /// <summary>A boolean value or the default.</summary>
    public bool Bool(string key, bool def) =>
        _values.TryGetValue(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : def;

    /// <summary>A nullable boolean (null when absent or JSON null).</summary>
    public bool? NullableBool(string key) =>
        _values.TryGetValue(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>An integer value or null.</summary>
    public long? Long(string key)
    {
        if (!_values.TryGetValue(key, out var v) || v.ValueKind != JsonValueKind.Number) return null;
        if (v.TryGetInt64(out long l)) return l;
        return v.TryGetDouble(out double d) && d < long.MaxValue ? (long)d : long.MaxValue;
    }

    /// <summary>additional_special_tokens as strings.</summary>
    public List<string> AdditionalSpecialTokens()
    {
        var list = new List<string>();
        if (_values.TryGetValue("additional_special_tokens", out var v) && v.ValueKind == JsonValueKind.Array)
            foreach (var e in v.EnumerateArray())
            {
                var s = e.ValueKind == JsonValueKind.String ? e.GetString() : e.TryGetProperty("content", out var c) ? c.GetString() : null;
                if (s is not null) list.Add(s);
            }
        return list;
    }

    /// <summary>Named special tokens from the config, falling back to <paramref name="defaults"/> where a key is absent.</summary>
    public SpecialTokens SpecialTokens(SpecialTokens defaults)
    {
        string? Pick(string key, string? def) => Has(key) ? String(key) : def;
        var additional = AdditionalSpecialTokens();
        return new SpecialTokens
        {
            Bos = Pick("bos_token", defaults.Bos),
            Eos = Pick("eos_token", defaults.Eos),
            Unk = Pick("unk_token", defaults.Unk),
            Sep = Pick("sep_token", defaults.Sep),
            Pad = Pick("pad_token", defaults.Pad),
            Cls = Pick("cls_token", defaults.Cls),
            Mask = Pick("mask_token", defaults.Mask),
            Additional = additional.Count > 0 ? additional : defaults.Additional,
        };
    }

    /// <summary>model_max_length when it is a real limit (transformers writes 1e30 for "none").</summary>
    public int? ModelMaxLength
    {
        get
        {
            var l = Long("model_max_length");
            return l is > 0 and < int.MaxValue ? (int)l : null;
        }
    }
}
