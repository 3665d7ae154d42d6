using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Embeddings;

/// <summary>
/// What a sentence-transformers folder says about turning token vectors into a sentence vector: modules.json (the
/// Transformer, Pooling, Dense and Normalize modules in order), 1_Pooling/config.json (modes, include_prompt),
/// sentence_bert_config.json (max_seq_length, do_lower_case) and each Dense module's config.json and weights.
/// A folder without modules.json is a plain Hugging Face encoder: mean pooling, no normalisation.
/// </summary>
public sealed record SentenceTransformerConfig
{
    /// <summary>The file that marks a sentence-transformers folder.</summary>
    public const string ModulesFile = "modules.json";

    /// <summary>Files of the folder itself beside the modules' subfolders.</summary>
    private static readonly string[] RootFiles = [ModulesFile, "sentence_bert_config.json", "config_sentence_transformers.json"];

    /// <summary>The Transformer module's folder (the root for most models).</summary>
    public required string TransformerFolder { get; init; }

    public Pooling Pooling { get; init; } = Pooling.Mean;

    /// <summary>Dense layers after pooling, in order.</summary>
    public IReadOnlyList<DenseModule> Dense { get; init; } = [];

    /// <summary>Whether a Normalize module scales the vector to unit length (after any Dense module).</summary>
    public bool Normalize { get; init; }

    /// <summary>Tokens per input, special tokens included; null: the model's own limit.</summary>
    public int? MaxSeqLength { get; init; }

    public bool DoLowerCase { get; init; }

    /// <summary>True when the folder has modules.json.</summary>
    public bool IsSentenceTransformer { get; init; }

    public static bool IsSentenceTransformerFolder(string folder) => File.Exists(Path.Combine(folder, ModulesFile));

    /// <summary>Reads <paramref name="folder"/>; every problem names the file and the field.</summary>
    public static SentenceTransformerConfig Read(string folder)
    {
        string modulesPath = Path.Combine(folder, ModulesFile);
        if (!File.Exists(modulesPath)) return new SentenceTransformerConfig { TransformerFolder = folder };
        using var doc = Parse(modulesPath);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{modulesPath}: expected a list of modules.");
        string? transformer = null;
        Pooling? pooling = null;
        var dense = new List<DenseModule>();
        bool normalize = false;
        int i = 0;
        foreach (var m in doc.RootElement.EnumerateArray())
        {
            string at = $"{modulesPath}: [{i++}]";
            string type = Str(m, "type") ?? throw new InvalidDataException($"{at}.type is missing.");
            string path = Str(m, "path") ?? "";
            string dir = Path.Combine(folder, path);
            switch (type[(type.LastIndexOf('.') + 1)..])
            {
                case "Transformer":
                    transformer = dir;
                    break;
                case "Pooling":
                    pooling = ReadPooling(Path.Combine(dir, "config.json"));
                    break;
                case "Dense":
                    dense.Add(DenseModule.Load(dir));
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                default:
                    throw new InvalidDataException($"{at}.type: \"{type}\" is not a module this library runs (Transformer, Pooling, Dense, Normalize).");
            }
        }
        if (transformer is null) throw new InvalidDataException($"{modulesPath}: no sentence_transformers.models.Transformer module.");
        var (maxLength, lower) = ReadSentenceBertConfig(folder, transformer);
        return new SentenceTransformerConfig
        {
            TransformerFolder = transformer, Pooling = pooling ?? Pooling.Mean, Dense = dense, Normalize = normalize,
            MaxSeqLength = maxLength, DoLowerCase = lower, IsSentenceTransformer = true,
        };
    }

    /// <summary>
    /// The files and folders of a sentence-transformers folder besides the Transformer's own (which a model folder already
    /// holds), relative to it, so that a compressed copy keeps its pooling: modules.json, the config files and each other
    /// module's folder.
    /// </summary>
    public static IReadOnlyList<string> ModuleFiles(string folder)
    {
        if (!IsSentenceTransformerFolder(folder)) return [];
        var files = RootFiles.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        using var doc = Parse(Path.Combine(folder, ModulesFile));
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return files;
        foreach (var m in doc.RootElement.EnumerateArray())
        {
            string? path = Str(m, "path");
            if (string.IsNullOrEmpty(path) || (Str(m, "type") ?? "").EndsWith("Transformer", StringComparison.Ordinal)) continue;
            string dir = Path.Combine(folder, path);
            if (!Directory.Exists(dir)) continue;
            files.AddRange(Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal));
        }
        return files;
    }

    private static Pooling ReadPooling(string path)
    {
        using var doc = Parse(path);
        var r = doc.RootElement;
        var modes = new List<PoolingMode>();
        void Mode(string field, PoolingMode mode)
        {
            if (r.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.True) modes.Add(mode);
        }
        Mode("pooling_mode_cls_token", PoolingMode.Cls);
        Mode("pooling_mode_max_tokens", PoolingMode.Max);
        Mode("pooling_mode_mean_tokens", PoolingMode.Mean);
        Mode("pooling_mode_mean_sqrt_len_tokens", PoolingMode.MeanSqrtLen);
        Mode("pooling_mode_weightedmean_tokens", PoolingMode.WeightedMean);
        Mode("pooling_mode_lasttoken", PoolingMode.LastToken);
        if (modes.Count == 0) throw new InvalidDataException($"{path}: no pooling_mode_* field is true (expected at least one of cls_token, mean_tokens, max_tokens, mean_sqrt_len_tokens, weightedmean_tokens, lasttoken).");
        bool includePrompt = !(r.TryGetProperty("include_prompt", out var ip) && ip.ValueKind == JsonValueKind.False);
        return new Pooling(modes, includePrompt);
    }

    /// <summary>sentence_bert_config.json of the root or of the Transformer's folder (older models keep it there).</summary>
    private static (int? MaxLength, bool Lower) ReadSentenceBertConfig(string folder, string transformer)
    {
        string path = Path.Combine(folder, "sentence_bert_config.json");
        if (!File.Exists(path)) path = Path.Combine(transformer, "sentence_bert_config.json");
        if (!File.Exists(path)) return (null, false);
        using var doc = Parse(path);
        var r = doc.RootElement;
        int? max = null;
        if (r.TryGetProperty("max_seq_length", out var m) && m.ValueKind != JsonValueKind.Null)
            max = m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out int v) && v > 0 ? v
                : throw new InvalidDataException($"{path}: max_seq_length: expected a positive integer, found {m.GetRawText()}.");
        bool lower = r.TryGetProperty("do_lower_case", out var l) && l.ValueKind == JsonValueKind.True;
        return (max, lower);
    }

    private static JsonDocument Parse(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found (a module named in {ModulesFile} needs it).");
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})."); }
    }

    private static string? Str(JsonElement o, string field)
        => o.ValueKind == JsonValueKind.Object && o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
