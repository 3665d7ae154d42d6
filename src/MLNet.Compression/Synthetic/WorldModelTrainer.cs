using System.Diagnostics;
using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Tokenization;
using MLNet.Compression.Training;

namespace MLNet.Compression.Synthetic;

/// <summary>
/// Trains the demo's small models on a written world: a BERT-style masked LM on the WordPiece files and a GPT-2-style
/// causal LM on the byte-level BPE files, one sentence per row. The result is a plain Hugging Face folder (config.json,
/// model.safetensors, tokenizer files) that every command reads. A folder already trained with the same world and
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

    /// <summary>Trains the masked LM on the world in <paramref name="worldDir"/> into <paramref name="outDir"/>; returns the folder.</summary>
    public static string TrainMaskedLm(string worldDir, string outDir, Options options, StepProgress? progress = null)
    {
        string tokDir = Path.Combine(worldDir, "tokenizer-wordpiece");
        var tokenizer = AutoTokenizer.FromFolder(tokDir);
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
        return Train(worldDir, outDir, tokDir, config, rows, len, tokenizer.PadTokenId ?? 0, options, progress,
            (batches, rng) => batches.MaskedLm(rng, mask, tokenizer.VocabularySize, special));
    }

    /// <summary>Trains the causal LM on the world in <paramref name="worldDir"/> into <paramref name="outDir"/>; returns the folder.</summary>
    public static string TrainCausalLm(string worldDir, string outDir, Options options, StepProgress? progress = null)
    {
        string tokDir = Path.Combine(worldDir, "tokenizer-bpe");
        var tokenizer = AutoTokenizer.FromFolder(tokDir);
        int eos = tokenizer.EosTokenId ?? throw new InvalidOperationException($"{tokDir}: the tokenizer has no end-of-text token.");
        // GPT-2 style: <|endoftext|> opens each sentence (the probes condition on it) and closes it.
        var rows = Rows(worldDir, s => [eos, .. tokenizer.EncodeToIds(s, addSpecialTokens: false), eos]);
        int len = rows.Max(r => r.Length);
        string config = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "gpt2", ["vocab_size"] = tokenizer.VocabularySize, ["n_embd"] = options.Hidden, ["n_layer"] = options.Layers,
            ["n_head"] = options.Heads, ["n_positions"] = Math.Max(64, len), ["bos_token_id"] = eos, ["eos_token_id"] = eos,
            ["activation_function"] = "gelu_new",
        });
        return Train(worldDir, outDir, tokDir, config, rows, len, eos, options, progress, (batches, rng) => batches.CausalLm(rng));
    }

    private static List<int[]> Rows(string worldDir, Func<string, int[]> encode)
    {
        string corpus = Path.Combine(worldDir, "corpus.txt");
        if (!File.Exists(corpus)) throw new FileNotFoundException($"{corpus}: the world has no corpus; write the world first.");
        return File.ReadLines(corpus).Where(l => l.Length > 0).Select(encode).ToList();
    }

    private static string Train(string worldDir, string outDir, string tokDir, string configJson, List<int[]> rows, int len, int padId,
        Options options, StepProgress? progress, Func<LanguageModelingBatches, TrainingRandom, TrainingBatch> nextBatch)
    {
        string stamp = JsonSerializer.Serialize(new { world = File.ReadAllText(Path.Combine(worldDir, "world.json")), options, config = configJson });
        string stampPath = Path.Combine(outDir, "training.json");
        if (File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp && File.Exists(Path.Combine(outDir, "model.safetensors")))
            return outDir;

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
        // Everything is written under a temporary folder that replaces the output folder at the end, so an interrupted run
        // never leaves a folder that looks trained.
        string tmp = outDir.TrimEnd(Path.DirectorySeparatorChar) + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        var checkpoints = new HashSet<int>(CheckpointSchedule.Steps(options.CheckpointFractions, options.Steps));
        var sw = Stopwatch.StartNew();
        float ema = float.NaN;
        for (int step = 1; step <= options.Steps; step++)
        {
            var result = trainer.Step(nextBatch(batches, trainer.Random));
            ema = float.IsNaN(ema) ? result.Loss : 0.95f * ema + 0.05f * result.Loss;
            if (step % 10 == 0 || step == options.Steps) progress?.Invoke(step, options.Steps, ema);
            if (checkpoints.Contains(step))
                SaveFolder(model, Path.Combine(tmp, CheckpointSchedule.Folder, CheckpointSchedule.Name(step)), tokDir, stamp, sw.Elapsed.TotalSeconds, ema, step);
        }

        SaveFolder(model, tmp, tokDir, stamp, sw.Elapsed.TotalSeconds, ema, options.Steps);
        if (Directory.Exists(outDir)) Directory.Delete(outDir, true);
        Directory.Move(tmp, outDir);
        return outDir;
    }

    /// <summary>A complete model folder: config, weights, tokenizer files, the training stamp and a log of the steps done so far.</summary>
    private static void SaveFolder(TrainableModel model, string dir, string tokDir, string stamp, double seconds, float loss, int steps)
    {
        model.Save(dir);
        foreach (var f in Directory.GetFiles(tokDir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        File.WriteAllText(Path.Combine(dir, "training.json"), stamp);
        File.WriteAllText(Path.Combine(dir, "training-log.json"), JsonSerializer.Serialize(new { seconds, final_loss = loss, steps }));
    }
}
