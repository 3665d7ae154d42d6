using System.Text.Json.Nodes;
using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Pipeline;

namespace MLNet.Compression.Persistence;

/// <summary>
/// manifest.json of a compressed model folder (docs/FORMATS.md): format name and version, the source checkpoint's hash,
/// the tokenizer files copied, and every linear layer with its form and history. Reading validates every field and names
/// the file and the JSON path of anything wrong.
/// </summary>
public sealed record CompressedModelManifest
{
    /// <summary>The value of "format".</summary>
    public const string FormatName = "mlnet-compressed";

    /// <summary>The version this build writes and the newest it reads.</summary>
    public const int CurrentVersion = 1;

    public const string FileName = "manifest.json";

    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = CurrentVersion;
    /// <summary>The library that wrote it ("MLNet.Compression 0.1.0").</summary>
    public string CreatedBy { get; init; } = "";
    /// <summary>config.json model_type.</summary>
    public required string ModelType { get; init; }
    /// <summary>The checkpoint this model was compressed from; null when it was built in memory (random weights, tests).</summary>
    public SourceCheckpoint? Source { get; init; }
    /// <summary>The first uncompressed checkpoint when <see cref="Source"/> was itself a compressed folder; else null.</summary>
    public SourceCheckpoint? Origin { get; init; }
    public IReadOnlyList<string> TokenizerFiles { get; init; } = [];
    /// <summary>Parameters counted as <see cref="Modeling.LanguageModel.ParameterCount"/> does.</summary>
    public long Parameters { get; init; }
    /// <summary>Bytes of all weights in their storage forms (<see cref="Modeling.LanguageModel.StorageBytes"/>).</summary>
    public long Bytes { get; init; }
    public required IReadOnlyList<CompressedLayer> Layers { get; init; }

    /// <summary>Fraction of zeros over all linear weights except the LM head (each weight counted once).</summary>
    public double OverallSparsity()
    {
        double zeros = 0, total = 0;
        foreach (var l in Layers.Where(l => l.TiedTo is null && l.Role != nameof(Modeling.LayerRole.Head)))
        {
            double n = (double)l.OutFeatures * l.InFeatures;
            zeros += l.Sparsity * n;
            total += n;
        }
        return total == 0 ? 0 : zeros / total;
    }

    public string ToJson()
    {
        var layers = new JsonArray();
        foreach (var l in Layers)
        {
            var o = new JsonObject
            {
                ["name"] = l.Name, ["role"] = l.Role, ["shape"] = new JsonArray(l.OutFeatures, l.InFeatures),
                ["format"] = l.Format, ["bytes"] = l.Bytes, ["sparsity"] = Math.Round(l.Sparsity, 6),
            };
            if (l.Transposed) o["transposed"] = true;
            if (l.Tensors is not null) o["tensors"] = l.Tensors;
            if (l.TiedTo is not null) o["tied_to"] = l.TiedTo;
            if (l.Metadata.Count > 0) o["metadata"] = StringMap(l.Metadata);
            var stages = new JsonArray();
            foreach (var s in l.Stages)
            {
                var so = new JsonObject { ["stage"] = s.Stage, ["method"] = s.Method };
                if (s.Sparsity is double sp) so["sparsity"] = sp;
                if (s.Bits is int b) so["bits"] = b;
                if (s.Details.Count > 0) so["parameters"] = StringMap(s.Details);
                stages.Add(so);
            }
            o["stages"] = stages;
            layers.Add(o);
        }
        var root = new JsonObject
        {
            ["format"] = Format, ["version"] = Version, ["created_by"] = CreatedBy, ["model_type"] = ModelType,
            ["source"] = SourceJson(Source), ["origin"] = SourceJson(Origin),
            ["config"] = "config.json", ["weights"] = "model.safetensors",
            ["tokenizer_files"] = new JsonArray(TokenizerFiles.Select(f => (JsonNode)f!).ToArray()),
            ["parameters"] = Parameters, ["bytes"] = Bytes, ["sparsity"] = Math.Round(OverallSparsity(), 6),
            ["layers"] = layers,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject StringMap(IReadOnlyDictionary<string, string> map)
    {
        var o = new JsonObject();
        foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal)) o[k] = v;
        return o;
    }

    private static JsonNode? SourceJson(SourceCheckpoint? s) => s is null ? null : new JsonObject
    {
        ["path"] = s.Path, ["sha256"] = s.Sha256,
        ["files"] = new JsonArray(s.Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 }).ToArray()),
    };

    /// <summary>Reads and validates a manifest; a newer version is refused with a message that says what to upgrade.</summary>
    public static CompressedModelManifest Load(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException(path, null, "no manifest.json: this is not a compressed model folder.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new CheckpointException(path, null, $"not valid JSON ({e.Message})."); }
        using (doc)
        {
            var r = new Reader(path);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, null, "expected a JSON object.");
            string format = r.String(root, "format", "");
            if (format != FormatName)
                throw new CheckpointException(path, "format", $"is \"{format}\", expected \"{FormatName}\".");
            int version = r.Int(root, "version", "");
            if (version > CurrentVersion)
                throw new CheckpointException(path, "version",
                    $"this folder was written in {FormatName} format version {version}, newer than this build of MLNet.Compression reads (up to version {CurrentVersion}); " +
                    "upgrade MLNet.Compression (the mlnet-compress tool: `dotnet tool update -g MLNet.Compression.Cli`) to read it.");
            if (version < 1) throw new CheckpointException(path, "version", $"is {version}, expected a positive format version.");
            var layersEl = r.Array(root, "layers", "");
            var layers = new List<CompressedLayer>();
            int i = 0;
            foreach (var el in layersEl.EnumerateArray())
            {
                string at = $"layers[{i++}]";
                if (el.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, at, "expected an object describing a linear layer.");
                var shape = r.Array(el, "shape", at);
                if (shape.GetArrayLength() != 2 || shape.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int v) || v <= 0))
                    throw new CheckpointException(path, at + ".shape", "expected [out, in], two positive integers.");
                var stages = new List<LayerChange>();
                string name = r.String(el, "name", at);
                int j = 0;
                foreach (var s in r.Array(el, "stages", at).EnumerateArray())
                {
                    string sat = $"{at}.stages[{j++}]";
                    stages.Add(new LayerChange(name, r.String(s, "stage", sat), r.String(s, "method", sat))
                    {
                        Sparsity = r.OptionalDouble(s, "sparsity", sat),
                        Bits = r.OptionalInt(s, "bits", sat),
                        Details = r.StringMap(s, "parameters", sat),
                    });
                }
                layers.Add(new CompressedLayer
                {
                    Name = name,
                    Role = r.String(el, "role", at),
                    OutFeatures = shape[0].GetInt32(),
                    InFeatures = shape[1].GetInt32(),
                    Format = r.String(el, "format", at),
                    Bytes = r.Long(el, "bytes", at),
                    Sparsity = r.OptionalDouble(el, "sparsity", at) ?? 0,
                    Transposed = r.OptionalBool(el, "transposed", at) ?? false,
                    Tensors = r.OptionalString(el, "tensors", at),
                    TiedTo = r.OptionalString(el, "tied_to", at),
                    Metadata = r.StringMap(el, "metadata", at),
                    Stages = stages,
                });
            }
            return new CompressedModelManifest
            {
                Format = format,
                Version = version,
                CreatedBy = r.OptionalString(root, "created_by", "") ?? "",
                ModelType = r.String(root, "model_type", ""),
                Source = r.Source(root, "source"),
                Origin = r.Source(root, "origin"),
                TokenizerFiles = r.OptionalArray(root, "tokenizer_files", "")?.EnumerateArray().Select((e, k) => e.ValueKind == JsonValueKind.String ? e.GetString()!
                    : throw new CheckpointException(path, $"tokenizer_files[{k}]", "expected a file name.")).ToList() ?? [],
                Parameters = r.OptionalLong(root, "parameters", "") ?? 0,
                Bytes = r.OptionalLong(root, "bytes", "") ?? 0,
                Layers = layers,
            };
        }
    }

    /// <summary>Field access that names the manifest and the JSON path of whatever is missing or of the wrong kind.</summary>
    private sealed class Reader(string path)
    {
        private static string Join(string at, string field) => at.Length == 0 ? field : at + "." + field;

        private JsonElement? Get(JsonElement o, string field, string at)
        {
            if (o.ValueKind != JsonValueKind.Object) throw new CheckpointException(path, at, "expected an object.");
            return o.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
        }

        private JsonElement Required(JsonElement o, string field, string at, string expected)
            => Get(o, field, at) ?? throw new CheckpointException(path, Join(at, field), $"missing (expected {expected}).");

        private CheckpointException Wrong(string at, string field, string expected, JsonElement v)
            => new(path, Join(at, field), $"expected {expected}, found {v.ValueKind.ToString().ToLowerInvariant()} {Truncate(v.GetRawText())}.");

        private static string Truncate(string s) => s.Length > 40 ? s[..40] + "…" : s;

        public string String(JsonElement o, string field, string at)
        {
            var v = Required(o, field, at, "a string");
            return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw Wrong(at, field, "a string", v);
        }

        public string? OptionalString(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(at, field, "a string", v)) : null;

        public int Int(JsonElement o, string field, string at)
            => OptionalInt(o, field, at) ?? throw new CheckpointException(path, Join(at, field), "missing (expected an integer).");

        public int? OptionalInt(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int x) ? x : throw Wrong(at, field, "an integer", v)) : null;

        public long Long(JsonElement o, string field, string at)
            => OptionalLong(o, field, at) ?? throw new CheckpointException(path, Join(at, field), "missing (expected an integer).");

        public long? OptionalLong(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long x) ? x : throw Wrong(at, field, "an integer", v)) : null;

        public double? OptionalDouble(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Wrong(at, field, "a number", v)) : null;

        public bool? OptionalBool(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw Wrong(at, field, "true or false", v)) : null;

        public JsonElement Array(JsonElement o, string field, string at)
        {
            var v = Required(o, field, at, "an array");
            return v.ValueKind == JsonValueKind.Array ? v : throw Wrong(at, field, "an array", v);
        }

        public JsonElement? OptionalArray(JsonElement o, string field, string at)
            => Get(o, field, at) is { } v ? (v.ValueKind == JsonValueKind.Array ? v : throw Wrong(at, field, "an array", v)) : null;

        public IReadOnlyDictionary<string, string> StringMap(JsonElement o, string field, string at)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            if (Get(o, field, at) is not { } v) return map;
            if (v.ValueKind != JsonValueKind.Object) throw Wrong(at, field, "an object of strings", v);
            foreach (var p in v.EnumerateObject())
                map[p.Name] = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                    _ => throw Wrong(Join(at, field), p.Name, "a string", p.Value),
                };
            return map;
        }

        public SourceCheckpoint? Source(JsonElement root, string field)
        {
            if (Get(root, field, "") is not { } s) return null;
            if (s.ValueKind != JsonValueKind.Object) throw Wrong("", field, "an object", s);
            var files = new List<SourceFile>();
            int k = 0;
            foreach (var f in Array(s, "files", field).EnumerateArray())
            {
                string at = $"{field}.files[{k++}]";
                files.Add(new SourceFile(String(f, "name", at), Long(f, "bytes", at), String(f, "sha256", at)));
            }
            return new SourceCheckpoint(String(s, "path", field), String(s, "sha256", field), files);
        }
    }
}
