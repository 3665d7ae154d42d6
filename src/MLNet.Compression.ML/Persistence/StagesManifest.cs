using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNet.Compression.ML.Persistence;

/// <summary>A file of an asset folder in model.zip, with what it must read back as.</summary>
internal sealed record AssetFile(string Name, long Bytes, string Sha256);

/// <summary>
/// A folder of model.zip entries a stage loads from: a compressed model folder (manifest.json, config.json,
/// model.safetensors, the tokenizer files) or, for a stage with no model, the tokenizer files alone.
/// </summary>
internal sealed record Asset(string Folder, bool HasModel, IReadOnlyList<AssetFile> Files);

/// <summary>A stage as stages.json lists it: its kind, the contract of its CustomMapping, its asset and settings.</summary>
internal sealed record StageEntry(string Kind, string Contract, int Asset, JsonObject Settings);

/// <summary>
/// MLNet.Compression/stages.json: the language-model stages of a saved pipeline in pipeline order (the order ML.NET's
/// Model.Load asks for them), and the assets they load from, each file with its length and SHA-256 so a missing or
/// damaged entry is named before anything is loaded.
/// </summary>
internal sealed record StagesManifest(IReadOnlyList<Asset> Assets, IReadOnlyList<StageEntry> Stages)
{
    public const string FormatName = "mlnet-compression-ml-stages";
    public const int CurrentVersion = 1;
    public const string Root = "MLNet.Compression/";
    public const string EntryName = Root + "stages.json";

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = CurrentVersion,
            ["created_by"] = "MLNet.Compression.ML " + typeof(StagesManifest).Assembly.GetName().Version,
            ["assets"] = new JsonArray(Assets.Select(a => (JsonNode)new JsonObject
            {
                ["folder"] = a.Folder,
                ["has_model"] = a.HasModel,
                ["files"] = new JsonArray(a.Files.Select(f => (JsonNode)new JsonObject { ["name"] = f.Name, ["bytes"] = f.Bytes, ["sha256"] = f.Sha256 }).ToArray()),
            }).ToArray()),
            ["stages"] = new JsonArray(Stages.Select(s => (JsonNode)new JsonObject
            {
                ["kind"] = s.Kind,
                ["contract"] = s.Contract,
                ["asset"] = s.Asset,
                ["settings"] = s.Settings.DeepClone(),
            }).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Parses stages.json; every problem is an <see cref="InvalidDataException"/> saying what is wrong where.</summary>
    public static StagesManifest Parse(string json)
    {
        JsonObject root;
        try { root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("is not a JSON object."); }
        catch (JsonException e) { throw new InvalidDataException($"is not valid JSON ({e.Message})."); }
        string format = MLNet.Compression.ML.Stages.StageJson.String(root, "format");
        if (format != FormatName) throw new InvalidDataException($"has format '{format}', expected '{FormatName}'.");
        int version = MLNet.Compression.ML.Stages.StageJson.Int(root, "version");
        if (version > CurrentVersion) throw new InvalidDataException($"has version {version}; this build reads up to {CurrentVersion}; upgrade MLNet.Compression.ML to load this model.");
        var assets = Array(root, "assets").Select((n, i) =>
        {
            var o = n as JsonObject ?? throw new InvalidDataException($"assets[{i}] is not an object.");
            var files = Array(o, "files").Select((f, j) =>
            {
                var fo = f as JsonObject ?? throw new InvalidDataException($"assets[{i}].files[{j}] is not an object.");
                return new AssetFile(MLNet.Compression.ML.Stages.StageJson.String(fo, "name"), Long(fo, "bytes"), MLNet.Compression.ML.Stages.StageJson.String(fo, "sha256"));
            }).ToList();
            string folder = MLNet.Compression.ML.Stages.StageJson.String(o, "folder");
            if (!folder.StartsWith(Root, StringComparison.Ordinal) || folder.Contains("..", StringComparison.Ordinal))
                throw new InvalidDataException($"assets[{i}].folder '{folder}' is not under {Root}.");
            foreach (var f in files)
                if (f.Name.Contains('/') || f.Name.Contains('\\') || f.Name.Contains("..", StringComparison.Ordinal))
                    throw new InvalidDataException($"assets[{i}] names a file '{f.Name}' that is not a plain file name.");
            return new Asset(folder, MLNet.Compression.ML.Stages.StageJson.Bool(o, "has_model"), files);
        }).ToList();
        var stages = Array(root, "stages").Select((n, i) =>
        {
            var o = n as JsonObject ?? throw new InvalidDataException($"stages[{i}] is not an object.");
            int asset = MLNet.Compression.ML.Stages.StageJson.Int(o, "asset");
            if (asset < 0 || asset >= assets.Count) throw new InvalidDataException($"stages[{i}].asset is {asset}; there are {assets.Count} assets.");
            var settings = o["settings"] as JsonObject ?? throw new InvalidDataException($"stages[{i}].settings is missing or not an object.");
            return new StageEntry(MLNet.Compression.ML.Stages.StageJson.String(o, "kind"), MLNet.Compression.ML.Stages.StageJson.String(o, "contract"), asset, settings);
        }).ToList();
        return new StagesManifest(assets, stages);
    }

    private static JsonArray Array(JsonObject o, string field) => o[field] as JsonArray ?? throw new InvalidDataException($"field '{field}' is missing or not an array.");

    private static long Long(JsonObject o, string field)
    {
        try { return o[field]?.GetValue<long>() ?? throw new InvalidDataException($"field '{field}' is missing (expected an integer)."); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw new InvalidDataException($"field '{field}' is not an integer."); }
    }
}
