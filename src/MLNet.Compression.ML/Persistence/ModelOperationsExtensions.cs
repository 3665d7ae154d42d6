using System.IO.Compression;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Microsoft.ML;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Persistence;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.ML.Stages;
using MLNet.Compression.Persistence;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML;

/// <summary>
/// Saves and loads pipelines with language-model stages: <c>mlContext.Model.SaveWithLanguageModels</c> and
/// <c>mlContext.Model.LoadWithLanguageModels</c>.
/// <para>
/// Why not plain Save and Load: ML.NET 6 saves a CustomMapping as its contract name and the name of the assembly of its
/// map action, nothing else, and on load builds the factory that carries the contract with its parameterless constructor
/// and calls GetMapping() with no argument (Microsoft.ML.Transforms LambdaTransform and CustomMappingFactory). The
/// types a transformer would need to save its own state (ModelSaveContext, ModelLoadContext, VersionInfo,
/// LoadableClassAttribute) are internal, so a hand-written ITransformer cannot be saved at all. The stages' models
/// therefore travel beside ML.NET's entries in the same zip (ML.NET's loader ignores entries it does not know):
/// </para>
/// <code>
/// MLNet.Compression/stages.json                 the stages in pipeline order: kind, contract, settings, asset
/// MLNet.Compression/assets/0/manifest.json      a compressed model folder (docs/FORMATS.md) with its tokenizer files,
/// MLNet.Compression/assets/0/model.safetensors  one per distinct model and tokenizer
/// </code>
/// <para>
/// Loading reads and checks those entries, loads the models, queues the stages in order and then calls ML.NET's Load, during
/// which each factory takes the next stage. Plain <c>Model.Load</c> on such a zip fails: its factories find no queued stage.
/// ML.NET calls its loaders through reflection, so that one-line error reaches a caller of plain Load wrapped in
/// <see cref="TargetInvocationException"/>s (one per nesting level); LoadWithLanguageModels unwraps its own errors.
/// </para>
/// </summary>
public static class ModelOperationsExtensions
{
    private const string AssetsRoot = StagesManifest.Root + "assets/";

    /// <summary>
    /// Saves <paramref name="model"/> as ML.NET's Model.Save does, plus the model and tokenizer of each language-model stage
    /// inside the same zip. The file is written through a temporary sibling and renamed into place.
    /// </summary>
    public static void SaveWithLanguageModels(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        var stages = StageRegistry.StagesOf(model);
        string work = Directory.CreateTempSubdirectory("mlnet-lm-save-").FullName;
        try
        {
            string mlnetZip = Path.Combine(work, "mlnet.zip");
            catalog.Save(model, inputSchema, mlnetZip);
            var (assetFolders, entries) = WriteAssets(stages, work);
            AtomicFile.Write(filePath, stream =>
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
                using (var source = ZipFile.OpenRead(mlnetZip))
                    foreach (var entry in source.Entries)
                    {
                        var copy = zip.CreateEntry(entry.FullName, CompressionLevel.Optimal);
                        copy.LastWriteTime = entry.LastWriteTime;
                        using var from = entry.Open();
                        using var to = copy.Open();
                        from.CopyTo(to);
                    }
                var assets = new List<Asset>();
                for (int i = 0; i < assetFolders.Count; i++)
                {
                    var (dir, hasModel) = assetFolders[i];
                    string folder = AssetsRoot + i + "/";
                    var files = new List<AssetFile>();
                    foreach (var path in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
                    {
                        string name = Path.GetFileName(path);
                        // Weights barely deflate; storing them keeps saving and loading at disk speed.
                        var entry = zip.CreateEntry(folder + name, name.EndsWith(".safetensors", StringComparison.Ordinal) ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                        using var to = entry.Open();
                        using var from = File.OpenRead(path);
                        files.Add(new AssetFile(name, from.Length, CopyHashing(from, to)));
                    }
                    assets.Add(new Asset(folder, hasModel, files));
                }
                var manifest = new StagesManifest(assets, stages.Select((s, i) => new StageEntry(s.Kind, s.Shape.Contract, entries[i], s.Settings())).ToList());
                using (var to = new StreamWriter(zip.CreateEntry(StagesManifest.EntryName, CompressionLevel.Optimal).Open()))
                    to.Write(manifest.ToJson());
            });
        }
        finally
        {
            TryDelete(work);
        }
    }

    /// <summary>
    /// Loads a zip written by <see cref="SaveWithLanguageModels"/> (or a plain ML.NET model): its stages' models are read
    /// from the zip's own entries, each checked against the length and SHA-256 stages.json records for it.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry is missing or damaged, or stages.json does not match the pipeline; the message names the zip and the entry.</exception>
    public static ITransformer LoadWithLanguageModels(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        if (!File.Exists(filePath)) throw new FileNotFoundException($"{filePath}: file not found.", filePath);
        var stages = ReadStages(filePath);
        ITransformer loaded;
        using (var scope = StageLoadQueue.Begin(stages))
        {
            try
            {
                loaded = catalog.Load(filePath, out inputSchema);
            }
            catch (Exception e) when (OwnError(e) is { } own)
            {
                // ML.NET invokes loaders by reflection; surface the stage error itself, naming the zip.
                throw own is InvalidOperationException ? own : new InvalidDataException($"{filePath}: {own.Message}", own);
            }
            if (scope.Left > 0)
                throw new InvalidDataException($"{filePath}: entry '{StagesManifest.EntryName}' lists {stages.Count} language-model stages, but the pipeline has {stages.Count - scope.Left}.");
        }
        var mappings = StageRegistry.Mappings(loaded).ToList();
        if (mappings.Count != stages.Count)
            throw new InvalidDataException($"{filePath}: entry '{StagesManifest.EntryName}' lists {stages.Count} language-model stages, but the pipeline has {mappings.Count}.");
        for (int i = 0; i < stages.Count; i++) StageRegistry.Register(mappings[i], stages[i]);
        return loaded;
    }

    /// <summary>Writes each distinct (model, tokenizer) once; returns the folders and, per stage, the index of its asset.</summary>
    private static (List<(string Dir, bool HasModel)> Folders, int[] StageAssets) WriteAssets(IReadOnlyList<LanguageModelStage> stages, string work)
    {
        var folders = new List<(string, bool)>();
        var index = new List<(LanguageModel? Model, Tokenizer Tokenizer)>();
        var stageAssets = new int[stages.Count];
        for (int s = 0; s < stages.Count; s++)
        {
            var stage = stages[s];
            int at = index.FindIndex(k => ReferenceEquals(k.Model, stage.Model) && ReferenceEquals(k.Tokenizer, stage.Tokenizer));
            if (at < 0)
            {
                at = index.Count;
                index.Add((stage.Model, stage.Tokenizer));
                string dir = Path.Combine(work, "asset-" + at);
                if (stage.Model is { } model)
                {
                    string tokenizerDir = Directory.CreateDirectory(Path.Combine(work, "tokenizer-" + at)).FullName;
                    stage.TokenizerFiles.WriteTo(tokenizerDir, withConfig: false);
                    // The changes of any stage over this model: a featurizer after Compress shares the Compress stage's model.
                    var changes = stages.Where(x => ReferenceEquals(x.Model, model)).Select(x => x.Changes).FirstOrDefault(c => c.Count > 0) ?? [];
                    CompressedModel.Save(model, changes, dir, new CompressedModel.SaveOptions { TokenizerFolder = tokenizerDir });
                    // The tokenizer's own config.json may differ from the model's; the stage reads the tokenizer from this folder.
                    foreach (var name in stage.TokenizerFiles.Files.Keys)
                        if (name == "generation_config.json" && !File.Exists(Path.Combine(dir, name)))
                            File.WriteAllBytes(Path.Combine(dir, name), stage.TokenizerFiles.Files[name]);
                }
                else
                {
                    Directory.CreateDirectory(dir);
                    stage.TokenizerFiles.WriteTo(dir, withConfig: true);
                }
                folders.Add((dir, stage.Model is not null));
            }
            stageAssets[s] = at;
        }
        return (folders, stageAssets);
    }

    /// <summary>Reads stages.json and the assets it lists, checks every file, and builds the stages in pipeline order.</summary>
    private static List<LanguageModelStage> ReadStages(string zipPath)
    {
        StagesManifest manifest;
        string work = Directory.CreateTempSubdirectory("mlnet-lm-load-").FullName;
        try
        {
            var dirs = new List<string>();
            using (var zip = OpenZip(zipPath))
            {
                var entry = zip.GetEntry(StagesManifest.EntryName);
                if (entry is null) return [];   // a pipeline without language-model stages
                using (var reader = new StreamReader(entry.Open()))
                    manifest = Named(zipPath, StagesManifest.EntryName, () => StagesManifest.Parse(reader.ReadToEnd()));
                for (int i = 0; i < manifest.Assets.Count; i++)
                {
                    var asset = manifest.Assets[i];
                    string dir = Directory.CreateDirectory(Path.Combine(work, "asset-" + i)).FullName;
                    foreach (var file in asset.Files) Extract(zip, zipPath, asset.Folder + file.Name, file, Path.Combine(dir, file.Name));
                    dirs.Add(dir);
                }
            }
            var loaded = manifest.Assets.Select((a, i) => Named(zipPath, a.Folder, () => LoadAsset(a, dirs[i]), dirs[i])).ToList();
            return manifest.Stages.Select((s, i) => Named(zipPath, $"{StagesManifest.EntryName}' stages[{i}] '{s.Kind}", () =>
            {
                var (model, tokenizer, files, changes) = loaded[s.Asset];
                var stage = StageKinds.Create(s.Kind, s.Settings, model, tokenizer, files, changes);
                if (stage.Shape.Contract != s.Contract)
                    throw new InvalidDataException($"has contract '{s.Contract}', but its settings give '{stage.Shape.Contract}'.");
                return stage;
            })).ToList();
        }
        finally
        {
            TryDelete(work);
        }
    }

    private static (LanguageModel?, Tokenizer, TokenizerFiles, IReadOnlyList<LayerChange>) LoadAsset(Asset asset, string dir)
    {
        LanguageModel? model = null;
        IReadOnlyList<LayerChange> changes = [];
        if (asset.HasModel)
        {
            model = ModelLoader.Load(dir);
            changes = CompressedModel.ReadManifest(dir).Layers.SelectMany(l => l.Stages).ToList();
        }
        return (model, AutoTokenizer.FromFolder(dir), TokenizerFiles.FromFolder(dir), changes);
    }

    private static ZipArchive OpenZip(string zipPath)
    {
        try { return ZipFile.OpenRead(zipPath); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{zipPath}: not a zip file ({e.Message})", e); }
    }

    /// <summary>Extracts one entry, checking its length and SHA-256 against stages.json.</summary>
    private static void Extract(ZipArchive zip, string zipPath, string name, AssetFile expected, string to)
    {
        var entry = zip.GetEntry(name)
            ?? throw new InvalidDataException($"{zipPath}: entry '{name}' is missing; the language-model stages cannot be restored (was the zip edited?).");
        string hash;
        long length;
        try
        {
            using var from = entry.Open();
            using var file = File.Create(to);
            hash = CopyHashing(from, file);
            length = file.Length;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{zipPath}: entry '{name}' is damaged ({e.Message}).", e);
        }
        if (length != expected.Bytes || hash != expected.Sha256)
            throw new InvalidDataException($"{zipPath}: entry '{name}' is damaged: {length} bytes with SHA-256 {hash[..12]}…, stages.json expects {expected.Bytes} bytes with {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}….");
    }

    private static string CopyHashing(Stream from, Stream to)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            to.Write(buffer, 0, n);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Runs <paramref name="read"/>, restating a data error as one line naming the zip and the entry (and never the temporary folder).</summary>
    private static T Named<T>(string zipPath, string entry, Func<T> read, string? tempDir = null)
    {
        try { return read(); }
        catch (Exception e) when (e is InvalidDataException or CheckpointException or TokenizerLoadException or FileNotFoundException or ArgumentException or FormatException)
        {
            string message = tempDir is null ? e.Message : e.Message.Replace(tempDir, entry.TrimEnd('/'), StringComparison.Ordinal);
            throw new InvalidDataException($"{zipPath}: entry '{entry}' {message}", e);
        }
    }

    /// <summary>The stage error behind ML.NET's reflection wrappers, if that is what failed.</summary>
    private static Exception? OwnError(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is InvalidDataException || x.Message == StageLoadQueue.PlainLoadMessage) return x;
        return null;
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
