using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json;
using MLNet.Compression.Embeddings;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tensors;

namespace MLNet.Compression.Persistence;

/// <summary>
/// Saves and loads compressed models as a folder (docs/FORMATS.md): manifest.json (format name and version, the source
/// checkpoint's SHA-256, what was done to each linear layer), config.json, the tokenizer files, and model.safetensors with
/// dense tensors under their Hugging Face keys and compressed weights under "{layer}.weight" + their own suffixes.
/// <see cref="ModelLoader.Load"/> opens such a folder too, so every CLI command works on it.
/// </summary>
public static class CompressedModel
{
    /// <summary>The tensors of a compressed folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>Where a model is saved from and what to copy beside it.</summary>
    public sealed class SaveOptions
    {
        /// <summary>
        /// The checkpoint the model was loaded from (folder or llama2.c file): hashed into the manifest, and its earlier
        /// stages are kept when it is itself a compressed folder. Default: the folder of the model's config.json when that
        /// file exists; else the manifest records no source.
        /// </summary>
        public string? Source { get; set; }

        /// <summary>Folder to copy tokenizer files and generation_config.json from. Default: the source folder.</summary>
        public string? TokenizerFolder { get; set; }

        /// <summary>Hash the source files (SHA-256; about 1 s per GB). Default true.</summary>
        public bool HashSource { get; set; } = true;
    }

    /// <summary>True when <paramref name="path"/> is a folder holding manifest.json.</summary>
    public static bool IsCompressedFolder(string path) => Directory.Exists(path) && File.Exists(Path.Combine(path, CompressedModelManifest.FileName));

    /// <summary>Reads and validates the manifest of a compressed folder.</summary>
    public static CompressedModelManifest ReadManifest(string folder) => CompressedModelManifest.Load(Path.Combine(folder, CompressedModelManifest.FileName));

    /// <summary>
    /// The checks <see cref="Save(LanguageModel, IReadOnlyList{LayerChange}, string, SaveOptions?)"/> makes on its output
    /// before writing: not the source folder itself, not a file, not an unrelated non-empty folder.
    /// </summary>
    public static void CheckOutput(string? source, string folder)
    {
        if (source is not null && SamePath(source, folder))
            throw new ArgumentException($"{folder}: the output folder is the model's own folder; write the compressed model to a new folder.");
        AtomicFolder.CheckWritable(folder, CompressedModelManifest.FileName);
    }

    /// <summary>Saves a fitted stage or chain: its model and the changes it made.</summary>
    public static CompressedModelManifest Save(ModelTransformer transformer, string folder, SaveOptions? options = null)
        => Save(transformer.Model, transformer.Changes, folder, options);

    /// <summary>
    /// Writes <paramref name="model"/> into <paramref name="folder"/> atomically (a temporary sibling renamed into place);
    /// an existing earlier output is replaced, any other non-empty folder is refused.
    /// </summary>
    public static CompressedModelManifest Save(LanguageModel model, IReadOnlyList<LayerChange> changes, string folder, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        if (model.Config is null) throw new ArgumentException($"this {model.ModelType} model has no config.json to save beside its weights.");
        string? source = options.Source ?? DefaultSource(model);
        CheckOutput(source, folder);
        var prior = source is not null && IsCompressedFolder(source) ? ReadManifest(source) : null;
        string? tokenizerFolder = options.TokenizerFolder ?? (source is null ? null : File.Exists(source) ? Path.GetDirectoryName(Path.GetFullPath(source)) : source);

        var byName = model.Linears.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var c in changes)
            if (!byName.ContainsKey(c.Layer)) throw new ArgumentException($"a {c.Stage} change names layer '{c.Layer}', which this {model.ModelType} model does not have.");
        var history = changes.GroupBy(c => c.Layer).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var priorStages = prior?.Layers.ToDictionary(l => l.Name, l => l.Stages, StringComparer.Ordinal);

        var writer = new SafeTensorsWriter().AddMetadata("format", CompressedModelManifest.FormatName)
            .AddMetadata("format_version", CompressedModelManifest.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var dense = new ModelTensorSource(model);
        var compressedKeys = model.Linears.Where(l => l.Weight is not DenseWeight).Select(l => l.Name + ".weight").ToHashSet(StringComparer.Ordinal);
        foreach (var key in dense.Keys)
            if (!compressedKeys.Contains(key)) writer.Add(key, dense.ReadFloat32(key), dense.Shape(key));

        var savedBy = new Dictionary<IWeight, string>(ReferenceEqualityComparer.Instance);
        var layers = new List<CompressedLayer>();
        foreach (var l in model.Linears)
        {
            string key = l.Name + ".weight";
            string? tensors = null, tiedTo = null;
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            if (l.Weight is DenseWeight) tensors = dense.Contains(key) ? key : null; // absent when tied to an embedding, as HF saves it
            else if (savedBy.TryGetValue(l.Weight, out var first)) tiedTo = first;
            else if (l.Weight is IPersistentWeight p)
            {
                if (!WeightFormats.TryGet(p.Format, out _))
                    throw new InvalidOperationException($"{l.Name}: weight format '{p.Format}' has no reader in WeightFormats, so a saved folder could not be loaded; register one with WeightFormats.Register.");
                metadata = p.Save(writer, key);
                tensors = key;
                savedBy[l.Weight] = l.Name;
            }
            else throw new InvalidOperationException($"{l.Name}: its weight form '{l.Weight.Format}' ({l.Weight.GetType().Name}) cannot be saved because it does not implement IPersistentWeight.");
            var stages = new List<LayerChange>();
            if (priorStages is not null && priorStages.TryGetValue(l.Name, out var earlier)) stages.AddRange(earlier);
            if (history.TryGetValue(l.Name, out var now)) stages.AddRange(now);
            layers.Add(new CompressedLayer
            {
                Name = l.Name, Role = l.Role.ToString(), OutFeatures = l.OutFeatures, InFeatures = l.InFeatures,
                Format = l.Weight.Format, Bytes = l.Weight.StorageBytes, Sparsity = ZeroFraction(l.Weight),
                Transposed = l.StoredTransposed, Tensors = tensors, TiedTo = tiedTo, Metadata = metadata, Stages = stages,
            });
        }

        // The tokenizer, and a sentence-transformers model's pooling, Dense and Normalize modules, so the compressed folder
        // encodes sentences as its source does.
        var companions = CompanionFiles.Of(tokenizerFolder, withGenerationConfig: true);
        var tokenizerFiles = companions.Names.ToList();
        SourceCheckpoint? fingerprint = source is not null && options.HashSource ? CheckpointFingerprint.Compute(source) : null;
        var manifest = new CompressedModelManifest
        {
            CreatedBy = "MLNet.Compression " + (typeof(CompressedModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?"),
            ModelType = model.ModelType,
            Source = fingerprint,
            Origin = prior is null ? null : prior.Origin ?? prior.Source,
            TokenizerFiles = tokenizerFiles,
            Parameters = model.ParameterCount(),
            Bytes = model.StorageBytes(),
            Layers = layers,
        };

        var config = JsonNode.Parse(model.Config.Root.GetRawText())!;
        AtomicFolder.Write(folder, CompressedModelManifest.FileName, tmp =>
        {
            writer.Save(Path.Combine(tmp, WeightsFileName));
            AtomicFile.WriteAllText(Path.Combine(tmp, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            companions.CopyTo(tmp);
            // The manifest goes last: a folder with a manifest is complete.
            AtomicFile.WriteAllText(Path.Combine(tmp, CompressedModelManifest.FileName), manifest.ToJson());
        });
        return manifest;
    }

    /// <summary>
    /// Loads a compressed folder: the family is built from config.json and the dense tensors, then each compressed layer
    /// gets its weight form back through <see cref="WeightFormats"/>. Logits equal those of the model that was saved, bit for bit.
    /// </summary>
    public static LanguageModel Load(string folder)
    {
        string manifestPath = Path.Combine(folder, CompressedModelManifest.FileName);
        var manifest = ReadManifest(folder);
        var config = ConfigJson.Load(Path.Combine(folder, "config.json"));
        string? type = config.StringOrNull("model_type");
        if (type != manifest.ModelType)
            throw new CheckpointException(manifestPath, "model_type", $"is \"{manifest.ModelType}\" but config.json says \"{type}\"; the folder is inconsistent.");
        var family = ModelLoader.FamilyOf(config);
        using var tensors = new CompressedModelTensors(folder);
        foreach (var layer in manifest.Layers.Where(l => l.Format != "dense-f32" || l.TiedTo is not null))
            tensors.AddPlaceholder(layer.Name + ".weight", layer.Transposed ? [layer.InFeatures, layer.OutFeatures] : [layer.OutFeatures, layer.InFeatures]);
        var model = family.Load(config, tensors);
        tensors.ClearPlaceholders();

        var linears = model.Linears.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (manifest.Layers.Count != model.Linears.Count)
            throw new CheckpointException(manifestPath, "layers", $"lists {manifest.Layers.Count} linear layers but the {type} model that config.json describes has {model.Linears.Count}.");
        var loaded = new Dictionary<string, IWeight>(StringComparer.Ordinal);
        var tied = new List<(int Index, CompressedLayer Layer, Linear Linear)>();
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            if (!linears.TryGetValue(layer.Name, out var linear))
                throw new CheckpointException(manifestPath, $"layers[{i}].name", $"'{layer.Name}' is not a linear layer of the {type} model that config.json describes.");
            // Head and neuron removal leave a layer narrower than the config says; the family built it with a placeholder of
            // the config's shape, and its own weight and bias are put in here.
            bool resized = linear.OutFeatures != layer.OutFeatures || linear.InFeatures != layer.InFeatures;
            // Removing heads or neurons narrows one side of a layer: its outputs (query, key, value, FFN up) or its inputs
            // (attention output, FFN down), never both and never wider.
            bool narrowed = (layer.OutFeatures < linear.OutFeatures && layer.InFeatures == linear.InFeatures)
                || (layer.InFeatures < linear.InFeatures && layer.OutFeatures == linear.OutFeatures);
            if (resized && (!narrowed || layer.TiedTo is not null))
                throw new CheckpointException(manifestPath, $"layers[{i}].shape", $"[{layer.OutFeatures}, {layer.InFeatures}] does not match the config, which implies [{linear.OutFeatures}, {linear.InFeatures}].");
            if (resized) linear.Bias = ReadBias(tensors, layer, manifestPath, i);
            if (layer.TiedTo is not null) { tied.Add((i, layer, linear)); continue; }
            if (layer.Format == "dense-f32")
            {
                // A dense weight saved under its own key that the family did not read (it tied the layer to an embedding) is
                // restored here, so a pruned head stays pruned.
                if (layer.Tensors is { } key && (resized || !tensors.WasRead(key)))
                    linear.Weight = new DenseWeight(ReadDense(tensors, key, layer.OutFeatures, layer.InFeatures, linear.StoredTransposed));
                continue;
            }
            if (!WeightFormats.TryGet(layer.Format, out var reader))
                throw new CheckpointException(manifestPath, $"layers[{i}].format",
                    $"weight format '{layer.Format}' is not known to this build (known: {string.Join(", ", WeightFormats.Formats.Order(StringComparer.Ordinal))}); upgrade MLNet.Compression to load this model.");
            string prefix = layer.Tensors ?? throw new CheckpointException(manifestPath, $"layers[{i}].tensors", "missing (expected the prefix of the layer's tensors in model.safetensors).");
            IWeight weight;
            try { weight = reader(tensors, prefix, layer.Metadata); }
            catch (Exception e) when (e is not CheckpointException and (ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException or IndexOutOfRangeException))
            {
                throw new CheckpointException(tensors.Location, prefix, $"cannot read the '{layer.Format}' weight of layer {layer.Name}: {e.Message}");
            }
            if (weight.OutFeatures != layer.OutFeatures || weight.InFeatures != layer.InFeatures)
                throw new CheckpointException(tensors.Location, prefix, $"the '{layer.Format}' weight read back is [{weight.OutFeatures}, {weight.InFeatures}], expected [{layer.OutFeatures}, {layer.InFeatures}].");
            linear.Weight = weight;
            loaded[layer.Name] = weight;
        }
        foreach (var (i, layer, linear) in tied)
            linear.Weight = loaded.TryGetValue(layer.TiedTo!, out var w) ? w
                : throw new CheckpointException(manifestPath, $"layers[{i}].tied_to", $"'{layer.TiedTo}' is not a compressed layer listed in this manifest.");
        return model;
    }

    /// <summary>Fraction of exact zeros in the weight's dense equivalent.</summary>
    public static double ZeroFraction(IWeight weight)
    {
        var d = weight.ToDense().ReadOnlySpan;
        if (d.Length == 0) return 0;
        return (d.Length - CountNonZero(d)) / (double)d.Length;
    }

    private static long CountNonZero(ReadOnlySpan<float> d)
    {
        long n = 0;
        foreach (float v in d) if (v != 0f) n++;
        return n;
    }

    /// <summary>[out, in], transposing a Conv1D checkpoint's [in, out].</summary>
    private static Tensor ReadDense(CompressedModelTensors tensors, string key, int outF, int inF, bool transposed)
    {
        var data = tensors.ReadFloat32(key);
        if (data.Length != (long)outF * inF)
            throw new CheckpointException(tensors.Location, key, $"holds {data.Length} values, expected [{outF}, {inF}].");
        if (!transposed) return new Tensor(data, outF, inF);
        var t = Tensor.Zeros(outF, inF); // [out, in]
        var dst = t.Span;
        for (int i = 0; i < inF; i++)
            for (int o = 0; o < outF; o++) dst[o * inF + i] = data[i * outF + o];
        return t;
    }

    /// <summary>The bias saved beside a resized layer's weight ([out]), or null when the layer has none.</summary>
    private static float[]? ReadBias(CompressedModelTensors tensors, CompressedLayer layer, string manifestPath, int index)
    {
        string key = layer.Name + ".bias";
        if (!tensors.Contains(key)) return null;
        var b = tensors.ReadFloat32(key);
        return b.Length == layer.OutFeatures ? b
            : throw new CheckpointException(manifestPath, $"layers[{index}]", $"'{key}' holds {b.Length} values, but the layer has {layer.OutFeatures} outputs.");
    }

    private static string? DefaultSource(LanguageModel model)
    {
        string? path = model.Config?.Path;
        return path is not null && File.Exists(path) && Path.GetFileName(path) == "config.json" ? Path.GetDirectoryName(Path.GetFullPath(path)) : null;
    }

    private static bool SamePath(string a, string b)
        => string.Equals(Path.GetFullPath(a).TrimEnd('/', '\\'), Path.GetFullPath(b).TrimEnd('/', '\\'),
            OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}
