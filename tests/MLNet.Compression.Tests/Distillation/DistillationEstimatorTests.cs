using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Distillation;

/// <summary>
/// ctx.Distillation's estimators on the tiny fixtures that carry a tokenizer: a student of chosen layers, recovery inside a
/// prune → recover → quantize chain (trained against the chain's dense input, zeros kept), and the errors of a recovery
/// stage without a teacher.
/// </summary>
public sealed class DistillationEstimatorTests
{
    private static readonly string[] Lines =
    [
        "The cat sat on the mat.", "It was a sunny day in the park.", "Paris is the capital of France.",
        "The quick brown fox jumps over the lazy dog.", "A bird in the hand is worth two in the bush.",
        "Rome is the capital of Italy.", "She plays the piano every evening.", "The river runs to the sea.",
    ];

    private static string Folder(string name) => SharedData.Fixture("models", name);

    private static TrainingText Text(string folder, LanguageModel teacher, int length = 16)
        => TrainingText.FromLines(Lines.Select((l, i) => (i + 1, l)), AutoTokenizer.FromFolder(folder), teacher, length, "test text");

    private static Distiller.Options Short(int steps) => new() { Steps = steps, BatchSize = 4, SequenceLength = 16, LearningRate = 1e-3 };

    private static Dictionary<string, float[]> Weights(LanguageModel m)
        => m.Linears.DistinctBy(l => l.Name).ToDictionary(l => l.Name, l => l.Weight.ToDense().ReadOnlySpan.ToArray());

    [Fact]
    public void Student_KeepsTheChosenLayers_LearnsAndLeavesTheTeacherUnchanged()
    {
        string folder = Folder("bert_uncased_tiny");
        var teacher = ModelLoader.Load(folder);
        var before = Weights(teacher);
        var ctx = new CompressionContext(seed: 3);

        var fitted = ctx.Distillation.Student(new StudentDistillationEstimator.Options
        {
            StudentLayers = [1], Training = Short(40), Text = Text(folder, teacher),
        }).Fit(teacher);

        Assert.Equal(1, fitted.Model.LayerCount);
        Assert.True(teacher.LayerCount > 1);
        Assert.Equal(40, fitted.Training.Steps);
        Assert.True(fitted.Training.FinalLoss < fitted.Training.FirstLoss, $"loss {fitted.Training.FirstLoss} → {fitted.Training.FinalLoss}");
        Assert.All(fitted.Changes, c => Assert.Equal(("distill", "student", "1"), (c.Stage, c.Method, c.Details["teacher_layers"])));
        foreach (var (name, w) in Weights(teacher)) Assert.Equal(before[name], w);
        Assert.True(fitted.Model.ParameterCount() < teacher.ParameterCount());
    }

    [Fact]
    public void Student_SeedOfTheContext_MakesTheRunRepeatable()
    {
        string folder = Folder("gpt2_tiny");
        var teacher = ModelLoader.Load(folder);
        var text = Text(folder, teacher);
        DistillationTransformer Run(int seed) => new CompressionContext(seed).Distillation.Student(new StudentDistillationEstimator.Options
        {
            Training = Short(5), Text = text,
        }).Fit(teacher);

        var a = Run(1);
        var b = Run(1);
        var c = Run(2);
        Assert.Equal(a.Training.FinalLoss, b.Training.FinalLoss);
        Assert.Equal(Weights(a.Model), Weights(b.Model));
        Assert.NotEqual(a.Training.FirstLoss, c.Training.FirstLoss);
    }

    [Fact]
    public void Chain_PruneRecoverQuantize_TrainsAgainstTheDenseInputAndKeepsEveryPrunedWeightAtZero()
    {
        string folder = Folder("bert_uncased_tiny");
        var dense = ModelLoader.Load(folder);
        var text = Text(folder, dense);
        var ctx = new CompressionContext(seed: 1);
        // Stored dense with zeros, as a pruner stores layers of low sparsity: recovery must keep those zeros too.
        var prune = ctx.Pruning.Magnitude(new MagnitudePruningEstimator.Options { Sparsity = 0.5, Scope = PruningScope.Local, Storage = SparseStorage.Dense });
        var chain = prune.Append(ctx.Distillation.Recover(new RecoveryEstimator.Options { Text = text, Training = Short(20) }))
            .Append(ctx.Quantization.WeightOnly(bits: 8, groupSize: 32));

        var fitted = chain.Fit(dense);
        var pruned = fitted[0].Model;
        var recovery = (DistillationTransformer)fitted[1];
        var prunedWeights = Weights(pruned);
        int changed = 0;
        foreach (var (name, w) in Weights(recovery.Model))
        {
            var p = prunedWeights[name];
            for (int i = 0; i < w.Length; i++)
            {
                if (p[i] == 0f) Assert.True(w[i] == 0f, $"{name}[{i}] was pruned but is {w[i]} after recovery");
                else if (w[i] != p[i]) changed++;
            }
        }
        Assert.True(changed > 0, "recovery changed no weight");
        Assert.All(fitted.LastTransformer.Model.Linears.Where(l => l.Name.Contains(".encoder.layer.")), l => Assert.IsType<KBitWeight>(l.Weight));

        // Its teacher was the dense input: against the pruned model itself the soft losses start at zero, so the first loss is lower.
        var selfTaught = ctx.Distillation.Recover(new RecoveryEstimator.Options { Text = text, Training = Short(1), Teacher = pruned }).Fit(pruned);
        Assert.True(recovery.Training.FirstLoss > selfTaught.Training.FirstLoss + 0.01f,
            $"first loss against the chain's input {recovery.Training.FirstLoss}, against the pruned model {selfTaught.Training.FirstLoss}");
    }

    [Fact]
    public void Recover_WithoutATeacher_OrFirstInItsChain_SaysWhatItNeeds()
    {
        string folder = Folder("gpt2_tiny");
        var model = ModelLoader.Load(folder);
        var ctx = new CompressionContext(1);
        var recover = ctx.Distillation.Recover(new RecoveryEstimator.Options { Text = Text(folder, model), Training = Short(1) });

        var alone = Assert.Throws<ArgumentException>(() => recover.Fit(model));
        Assert.Contains("no teacher", alone.Message);
        var first = Assert.Throws<ArgumentException>(() => recover.Append(ctx.Quantization.Float16()).Fit(model));
        Assert.Contains("first in its chain", first.Message);
        var noText = Assert.Throws<ArgumentException>(() => ctx.Distillation.Recover(new RecoveryEstimator.Options { Teacher = model }).Fit(model));
        Assert.Contains("no training text", noText.Message);
    }

    [Fact]
    public void TrainingText_NamesItsSourceInEveryError()
    {
        string folder = Folder("bert_uncased_tiny");
        var model = ModelLoader.Load(folder);
        var tokenizer = AutoTokenizer.FromFolder(folder);

        var empty = Assert.Throws<InvalidDataException>(() => TrainingText.FromLines([(1, ""), (2, "  ")], tokenizer, model, 16, "column Text"));
        Assert.StartsWith("column Text has no text", empty.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => TrainingText.Load("/nonexistent/train.txt", tokenizer, model, 16, "stages[1].text"));
        Assert.StartsWith("stages[1].text: /nonexistent/train.txt: file not found", missing.Message);
        var length = Assert.Throws<ArgumentException>(() => TrainingText.FromLines([(1, "a")], tokenizer, model, 0, "column Text"));
        Assert.Contains("positive length", length.Message);

        var text = TrainingText.FromLines([(1, "The cat sat."), (2, ""), (3, "A dog ran far away from home today.")], tokenizer, model, 6, "lines");
        Assert.Equal(2, text.Rows.Count);
        Assert.Equal(6, text.Rows[1].Length);   // cut to the length, special tokens included
        Assert.Equal(tokenizer.MaskTokenId, text.MaskTokenId);
    }
}
