using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.Compression.IO;
using MLNet.Compression.Tokenization;
using MLNet.Compression.Training;

namespace MLNet.Compression.Synthetic;

/// <summary>
/// Trains small models on a written world (the demo's and `mlnet-compress train`'s): a BERT-style masked LM on the
/// WordPiece files, or a GPT-2-style or Llama-style causal LM on the byte-level BPE files, one sentence per row. The result
/// is a plain Hugging Face folder (config.json, model.safetensors, tokenizer files) that every command reads. A folder already trained with the same world and
/// settings is reused, so a second demo run skips training. With <see cref="Options.CheckpointFractions"/> the folder also
/// holds checkpoints/step-NNNNNN/, each a complete model folder of the same shape.
/// </summary>
public static class WorldModelTrainer
{
    /// <summary>Size of the model and length of training.</summary>
    public sealed record Options
    {
        /// <summary>Hidden size.</summary>
        public int Hidden { get; init; } = 128;

        /// <summary>Transformer layers.</summary>
        public int Layers { get; init; } = 4;

        /// <summary>Attention heads.</summary>
        public int Heads { get; init; } = 4;

        /// <summary>Optimiser steps.</summary>
        public int Steps { get; init; } = 3000;

        /// <summary>Sentences per step.</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Peak learning rate of the cosine schedule.</summary>
        public double LearningRate { get; init; } = 2e-3;

        /// <summary>Masked LM only: share of tokens selected for prediction. Above BERT's 0.15 because every fact must be learnt from few sentences.</summary>
        public double MaskProbability { get; init; } = 0.3;

        /// <summary>Seed of initialisation, batches and masking.</summary>
        public int Seed { get; init; } = 1;

        /// <summary>
        /// Fractions of the run, in (0, 1], after which a checkpoint is saved to checkpoints/step-NNNNNN/ (see
        /// <see cref="CheckpointSchedule"/>); none by default. The final model stays in the output folder itself.
        /// </summary>
        public IReadOnlyList<double> CheckpointFractions { get; init; } = [];
    }

    /// <summary>(step, total steps, loss) as training goes.</summary>
    public delegate void StepProgress(int step, int total, float loss);

    /// <summary>What a training run left behind.</summary>
    /// <param name="Folder">the trained model folder</param>
    /// <param name="FinalLoss">the smoothed training loss at the last step</param>
    /// <param name="Steps">optimiser steps taken</param>
    /// <param name="Seconds">training time</param>
    /// <param name="Reused">true when an earlier run with the same world and settings was reused instead of training again</param>
    public sealed record Result(string Folder, float FinalLoss, int Steps, double Seconds, bool Reused);

    /// <summary>training.json: the stamp of world, options and config that marks a trained folder and lets a run reuse it.</summary>
    public const string MarkerFile = "training.json";

    /// <summary>
    /// Throws the IOException <see cref="Train"/> would throw before training: a file in the way, or a non-empty folder
    /// that is not an earlier trained model. Lets a caller refuse the output before a long run.
    /// </summary>
    public static void CheckWritable(string outDir) => AtomicFolder.CheckWritable(outDir, MarkerFile);

    /// <summary>The files a world folder must hold to train <paramref name="arch"/> on it, relative to the folder.</summary>
    public static IReadOnlyList<string> RequiredWorldFiles(ModelArchitecture arch) =>
        [WorldWriter.MarkerFile, WorldWriter.CorpusFile, Path.Combine(TokenizerFolder(arch), TokenizerFile(arch))];

    /// <summary>The entries of <see cref="RequiredWorldFiles"/> missing from <paramref name="worldDir"/>; empty for a written world.</summary>
    public static IReadOnlyList<string> MissingWorldFiles(string worldDir, ModelArchitecture arch)
        => RequiredWorldFiles(arch).Where(f => !File.Exists(Path.Combine(worldDir, f))).ToList();

    /// <summary>
    /// Trains a model of <paramref name="arch"/> on the world in <paramref name="worldDir"/> into <paramref name="outDir"/>
    /// (reused when already trained with the same world and settings).
    /// </summary>
    /// <exception cref="FileNotFoundException">the world folder lacks a file training needs (<see cref="MissingWorldFiles"/>).</exception>
    public static Result Train(string worldDir, string outDir, ModelArchitecture arch, Options options, StepProgress? progress = null)
    {
        var missing = MissingWorldFiles(worldDir, arch);
        if (missing.Count > 0)
            throw new FileNotFoundException($"{worldDir}: not a world folder: it has no {string.Join(", ", missing)}.");
        string tokDir = Path.Combine(worldDir, TokenizerFolder(arch));
        var tokenizer = AutoTokenizer.FromFolder(tokDir);
        return arch switch
        {
            ModelArchitecture.Bert => TrainMasked(worldDir, outDir, tokDir, tokenizer, options, progress),
            ModelArchitecture.Gpt2 or ModelArchitecture.Llama => TrainCausal(worldDir, outDir, tokDir, tokenizer, arch, options, progress),
            _ => throw new ArgumentOutOfRangeException(nameof(arch), arch, "unknown architecture."),
        };
    }

    /// <summary>
    /// Llama's intermediate size for <paramref name="hidden"/>: 8/3 · hidden rounded up to a multiple of 8. The gated MLP has
    /// three matrices where GPT-2's and BERT's have two, so 2/3 of their 4 · hidden keeps the MLP's parameter count (LLaMA,
    /// Touvron et al. 2023, section 2; Shazeer 2020, GLU variants); rounding up to a multiple is LLaMA's multiple_of (256
    /// there), at a step that suits hidden sizes of 32 to 256.
    /// </summary>
    public static int LlamaIntermediateSize(int hidden) => (8 * hidden + 23) / 24 * 8;

    private static string TokenizerFolder(ModelArchitecture arch) => arch == ModelArchitecture.Bert ? "tokenizer-wordpiece" : "tokenizer-bpe";

    private static string TokenizerFile(ModelArchitecture arch) => arch == ModelArchitecture.Bert ? "vocab.txt" : "vocab.json";

    private static Result TrainMasked(string worldDir, string outDir, string tokDir, Tokenizer tokenizer, Options options, StepProgress? progress)
    {
        var rows = Rows(worldDir, s => tokenizer.EncodeToIds(s).ToArray());
        int len = rows.Max(r => r.Length);
        string config = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "bert", ["vocab_size"] = tokenizer.VocabularySize, ["hidden_size"] = options.Hidden,
            ["num_hidden_layers"] = options.Layers, ["num_attention_heads"] = options.Heads, ["intermediate_size"] = 4 * options.Hidden,
            ["max_position_embeddings"] = Math.Max(64, len), ["type_vocab_size"] = 2, ["pad_token_id"] = tokenizer.PadTokenId ?? 0,
            ["hidden_act"] = "gelu", ["layer_norm_eps"] = 1e-12,
        });
        var special = tokenizer.AllSpecialIds;
        int mask = tokenizer.MaskTokenId ?? throw new InvalidOperationException($"{tokDir}: the tokenizer has no mask token.");
        return Run(worldDir, outDir, tokDir, config, rows, len, tokenizer.PadTokenId ?? 0, options, progress,
            (batches, rng) => batches.MaskedLm(rng, mask, tokenizer.VocabularySize, special));
    }

    private static Result TrainCausal(string worldDir, string outDir, string tokDir, Tokenizer tokenizer, ModelArchitecture arch, Options options, StepProgress? progress)
    {
        int eos = tokenizer.EosTokenId ?? throw new InvalidOperationException($"{tokDir}: the tokenizer has no end-of-text token.");
        // GPT-2 style for both decoders: <|endoftext|> opens each sentence (the probes condition on it as BOS) and closes it.
        var rows = Rows(worldDir, s => [eos, .. tokenizer.EncodeToIds(s, addSpecialTokens: false), eos]);
        int len = rows.Max(r => r.Length);
        var config = arch == ModelArchitecture.Llama
            ? new Dictionary<string, object>
            {
                ["model_type"] = "llama", ["vocab_size"] = tokenizer.VocabularySize, ["hidden_size"] = options.Hidden,
                ["intermediate_size"] = LlamaIntermediateSize(options.Hidden), ["num_hidden_layers"] = options.Layers,
                ["num_attention_heads"] = options.Heads, ["num_key_value_heads"] = options.Heads, ["hidden_act"] = "silu",
                ["max_position_embeddings"] = Math.Max(64, len), ["rms_norm_eps"] = 1e-6, ["rope_theta"] = 10000.0,
                ["bos_token_id"] = eos, ["eos_token_id"] = eos,
                // Untied as LLaMA ships it and LlamaConfig defaults: the LM head stays a layer of its own for compression to see.
                ["tie_word_embeddings"] = false,
            }
            : new Dictionary<string, object>
            {
                ["model_type"] = "gpt2", ["vocab_size"] = tokenizer.VocabularySize, ["n_embd"] = options.Hidden, ["n_layer"] = options.Layers,
                ["n_head"] = options.Heads, ["n_positions"] = Math.Max(64, len), ["bos_token_id"] = eos, ["eos_token_id"] = eos,
                ["activation_function"] = "gelu_new",
            };
        return Run(worldDir, outDir, tokDir, JsonSerializer.Serialize(config), rows, len, eos, options, progress, (batches, rng) => batches.CausalLm(rng));
    }

    private static List<int[]> Rows(string worldDir, Func<string, int[]> encode)
        => File.ReadLines(Path.Combine(worldDir, WorldWriter.CorpusFile)).Where(l => l.Length > 0).Select(encode).ToList();

    private static Result Run(string worldDir, string outDir, string tokDir, string configJson, List<int[]> rows, int len, int padId,
        Options options, StepProgress? progress, Func<LanguageModelingBatches, TrainingRandom, TrainingBatch> nextBatch)
    {
        string stamp = JsonSerializer.Serialize(new { world = File.ReadAllText(Path.Combine(worldDir, "world.json")), options, config = configJson });
        if (Reusable(outDir, stamp) is { } earlier) return earlier;

        var model = TrainableModel.Create(ConfigJson.Parse(configJson, "demo model config"), options.Seed);
        var trainer = new Trainer(model, new Trainer.Options
        {
            Optimizer = new AdamW.Options { LearningRate = options.LearningRate, WeightDecay = 0.01 },
            WarmupSteps = Math.Max(1, options.Steps / 20), TotalSteps = options.Steps, Schedule = ScheduleKind.Cosine, Seed = (ulong)options.Seed,
        });
        var batches = new LanguageModelingBatches(rows, padId, new LanguageModelingBatches.Options
        {
            BatchSize = options.BatchSize, SequenceLength = len, MaskProbability = options.MaskProbability,
        });
        var checkpoints = new HashSet<int>(CheckpointSchedule.Steps(options.CheckpointFractions, options.Steps));
        var sw = Stopwatch.StartNew();
        float ema = float.NaN;
        // Everything is written under a temporary folder that replaces the output folder at the end, so an interrupted run
        // never leaves a folder that looks trained, and a folder that is not an earlier model is refused, not replaced.
        AtomicFolder.Write(outDir, MarkerFile, tmp =>
        {
            for (int step = 1; step <= options.Steps; step++)
            {
                var result = trainer.Step(nextBatch(batches, trainer.Random));
                ema = float.IsNaN(ema) ? result.Loss : 0.95f * ema + 0.05f * result.Loss;
                if (step % 10 == 0 || step == options.Steps) progress?.Invoke(step, options.Steps, ema);
                if (checkpoints.Contains(step))
                    SaveFolder(model, Path.Combine(tmp, CheckpointSchedule.Folder, CheckpointSchedule.Name(step)), tokDir, stamp, sw.Elapsed.TotalSeconds, ema, step);
            }
            SaveFolder(model, tmp, tokDir, stamp, sw.Elapsed.TotalSeconds, ema, options.Steps);
        });
        return new Result(outDir, ema, options.Steps, sw.Elapsed.TotalSeconds, Reused: false);
    }

    /// <summary>The earlier run in <paramref name="outDir"/> when its stamp equals <paramref name="stamp"/> and its weights and log are there.</summary>
    private static Result? Reusable(string outDir, string stamp)
    {
        string stampPath = Path.Combine(outDir, MarkerFile), logPath = Path.Combine(outDir, "training-log.json");
        if (!File.Exists(stampPath) || File.ReadAllText(stampPath) != stamp || !File.Exists(Path.Combine(outDir, "model.safetensors")) || !File.Exists(logPath))
            return null;
        var log = JsonSerializer.Deserialize<TrainingLog>(File.ReadAllText(logPath));
        return log is null ? null : new Result(outDir, log.FinalLoss, log.Steps, log.Seconds, Reused: true);
    }

    /// <summary>A complete model folder: config, weights, tokenizer files, the training stamp and a log of the steps done so far.</summary>
    private static void SaveFolder(TrainableModel model, string dir, string tokDir, string stamp, double seconds, float loss, int steps)
    {
        model.Save(dir);
        foreach (var f in Directory.GetFiles(tokDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        File.WriteAllText(Path.Combine(dir, MarkerFile), stamp);
        File.WriteAllText(Path.Combine(dir, "training-log.json"), JsonSerializer.Serialize(new TrainingLog(seconds, loss, steps)));
    }

    /// <summary>training-log.json.</summary>
    private sealed record TrainingLog(
        [property: JsonPropertyName("seconds")] double Seconds,
        [property: JsonPropertyName("final_loss")] float FinalLoss,
        [property: JsonPropertyName("steps")] int Steps);
}
