using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.IO;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tests.Modeling;

namespace MLNet.Compression.Tests.Pruning;

/// <summary>The estimators on a real fixture model: the input model is untouched, reports are true, stored forms are honest.</summary>
public class PruningEstimatorTests
{
    private static CalibrationData Calibration(int seed = 1)
    {
        var rng = new Random(seed);
        var seqs = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 12).Select(_ => rng.Next(5, 500)).ToArray());
        return CalibrationData.FromSequences(seqs, batchSize: 3);
    }

    public static IEnumerable<object[]> Estimators()
    {
        var ctx = new CompressionContext(seed: 1);
        yield return ["magnitude-global", ctx.Pruning.Magnitude(0.7, ModuleGroup.All)];
        yield return ["magnitude-local", ctx.Pruning.Magnitude(0.3, ModuleGroup.Ffn, PruningScope.Local)];
        yield return ["random", ctx.Pruning.Random(0.5)];
        yield return ["ln-structured", ctx.Pruning.LnStructured(0.25, ModuleGroup.AttentionQkv)];
        yield return ["random-structured", ctx.Pruning.RandomStructured(0.25)];
        yield return ["nm", ctx.Pruning.NM(2, 4)];
        yield return ["wanda", ctx.Pruning.Wanda(0.6)];
        yield return ["sparsegpt", ctx.Pruning.SparseGpt(0.6, blockSize: 16)];
        yield return ["owl", ctx.Pruning.Owl(0.6, lambda: 0.1)];
    }

    [Theory]
    [MemberData(nameof(Estimators))]
    public void Fit_LeavesTheInputModelUnchangedAndReportsTheAchievedSparsity(string name, IModelEstimator<PruningTransformer> estimator)
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var weightsBefore = model.Linears.Select(l => l.Weight).ToList();
        var denseBefore = model.Linears.Select(l => l.Weight.ToDense().ReadOnlySpan.ToArray()).ToList();
        var logitsBefore = model.Forward(input).Logits.ReadOnlySpan.ToArray();

        var fitted = estimator.Fit(model, Calibration());

        Assert.Equal(weightsBefore, model.Linears.Select(l => l.Weight).ToList());
        for (int i = 0; i < denseBefore.Count; i++) Assert.Equal(denseBefore[i], model.Linears[i].Weight.ToDense().ReadOnlySpan.ToArray());
        Assert.Equal(logitsBefore, model.Forward(input).Logits.ReadOnlySpan.ToArray());

        Assert.NotEmpty(fitted.Changes);
        long zeros = 0, total = 0;
        foreach (var change in fitted.Changes)
        {
            var layer = fitted.Model.Linears.First(l => l.Name == change.Layer);
            var w = layer.Weight.ToDense().ReadOnlySpan.ToArray();
            long z = w.Count(v => v == 0f);
            Assert.Equal((double)z / w.Length, change.Sparsity!.Value, 12);
            Assert.Equal(layer.Weight.Format, change.Details["format"]);
            zeros += z;
            total += w.Length;
        }
        Assert.Equal((double)zeros / total, fitted.OverallSparsity, 12);
        Assert.True(fitted.OverallSparsity > 0.2, $"{name}: overall sparsity {fitted.OverallSparsity}");
        Assert.All(fitted.Model.Forward(input).Logits.ReadOnlySpan.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void GlobalMagnitude_PrunesExactlyRoundOfSparsityTimesAllWeights_AndStoresCsr()
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        var fitted = new CompressionContext(1).Pruning.Magnitude(0.7, ModuleGroup.All).Fit(model);
        long total = model.Linears.Where(l => l.Role != LayerRole.Head).Sum(l => (long)l.InFeatures * l.OutFeatures);
        long zeros = fitted.Changes.Sum(c => (long)Math.Round(c.Sparsity!.Value * fitted.Model.Linears.First(l => l.Name == c.Layer).Weight.ToDense().Length));
        Assert.Equal(MaskSelection.CountToPrune(0.7, total), zeros);
        // The threshold is shared: every kept |w| is at least every pruned |w| across all layers.
        float maxPruned = 0, minKept = float.MaxValue;
        foreach (var c in fitted.Changes)
        {
            var before = model.Linears.First(l => l.Name == c.Layer).Weight.ToDense().ReadOnlySpan.ToArray();
            var after = fitted.Model.Linears.First(l => l.Name == c.Layer).Weight.ToDense().ReadOnlySpan.ToArray();
            for (int i = 0; i < before.Length; i++)
                if (after[i] == 0f) maxPruned = MathF.Max(maxPruned, MathF.Abs(before[i]));
                else minKept = MathF.Min(minKept, MathF.Abs(before[i]));
        }
        Assert.True(maxPruned <= minKept);
        // Layers above the CSR threshold hold CSR, and their bytes shrink.
        foreach (var c in fitted.Changes.Where(c => c.Sparsity >= 0.6))
        {
            var l = fitted.Model.Linears.First(x => x.Name == c.Layer);
            Assert.Equal(CsrWeight.FormatName, l.Weight.Format);
            Assert.True(l.Weight.StorageBytes < (long)l.InFeatures * l.OutFeatures * 4);
        }
        Assert.True(fitted.Model.StorageBytes() < model.StorageBytes());
    }

    [Theory]
    [InlineData("magnitude")]
    [InlineData("nm")]
    public void SparseStorage_GivesTheSameLogitsAsDenseMasking(string method)
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        var input = fx.Input();
        var ctx = new CompressionContext(1);
        PruningTransformer Fit(SparseStorage storage) => method == "nm"
            ? ctx.Pruning.NM(new NMPruningEstimator.Options { Storage = storage }).Fit(model)
            : ctx.Pruning.Magnitude(new MagnitudePruningEstimator.Options { Sparsity = 0.8, Storage = storage }).Fit(model);
        var sparse = Fit(SparseStorage.Auto);
        var dense = Fit(SparseStorage.Dense);
        Assert.Contains(sparse.Model.Linears, l => l.Weight.Format == (method == "nm" ? NMWeight.FormatName : CsrWeight.FormatName));
        Assert.All(dense.Model.Linears, l => Assert.Equal("dense-f32", l.Weight.Format));
        var a = sparse.Model.Forward(input).Logits.ReadOnlySpan.ToArray();
        var b = dense.Model.Forward(input).Logits.ReadOnlySpan.ToArray();
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 3e-4f);
    }

    [Fact]
    public void NM_EveryGroupOfFourHoldsExactlyTwoNonzeros()
    {
        using var fx = new ReferenceFixture("bert");
        var fitted = new CompressionContext(1).Pruning.NM(2, 4, ModuleGroup.Ffn).Fit(ModelLoader.Load(fx.Folder));
        foreach (var c in fitted.Changes)
        {
            var w = fitted.Model.Linears.First(l => l.Name == c.Layer).Weight.ToDense().ReadOnlySpan.ToArray();
            for (int g = 0; g < w.Length; g += 4) Assert.Equal(2, w.AsSpan(g, 4).ToArray().Count(v => v != 0f));
            Assert.Equal(0.5, c.Sparsity!.Value, 12);
        }
    }

    [Fact]
    public void Wanda_OnAModel_UsesTheCapturedInputNorms()
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        var calibration = Calibration(4);
        var layer = model.Linears.First(l => l.Role == LayerRole.FfnDown);
        // ‖X_j‖ by hand from every input the layer sees.
        var sums = new double[layer.InFeatures];
        calibration.Capture(model, [layer], (_, x, rows) =>
        {
            for (int r = 0; r < rows; r++) for (int j = 0; j < sums.Length; j++) sums[j] += (double)x[r * sums.Length + j] * x[r * sums.Length + j];
        });
        var w = layer.Weight.ToDense().ReadOnlySpan.ToArray();
        int inF = layer.InFeatures, k = (int)(inF * 0.5);
        var expectedPruned = new bool[w.Length];
        for (int o = 0; o < layer.OutFeatures; o++)
        {
            var order = Enumerable.Range(0, inF).OrderBy(j => Math.Abs(w[o * inF + j]) * (float)Math.Sqrt(sums[j])).ThenBy(j => j).Take(k);
            foreach (int j in order) expectedPruned[o * inF + j] = true;
        }
        var fitted = new CompressionContext(1).Pruning.Wanda(0.5, ModuleGroup.Regex(layer.Name.Replace(".", "\\.") + "$")).Fit(model, calibration);
        var pruned = fitted.Model.Linears.First(l => l.Name == layer.Name).Weight.ToDense().ReadOnlySpan.ToArray();
        Assert.Equal(expectedPruned, pruned.Select(v => v == 0f).ToArray());
    }

    [Fact]
    public void CalibratedMethods_WithoutCalibration_SayWhatIsMissing()
    {
        using var fx = new ReferenceFixture("bert");
        var e = Assert.Throws<ArgumentException>(() => new CompressionContext(1).Pruning.SparseGpt(0.5).Fit(ModelLoader.Load(fx.Folder)));
        Assert.Contains("calibration", e.Message);
    }

    [Fact]
    public void Plan_PrunesEachNamedLayerAtItsOwnSparsity()
    {
        using var fx = new ReferenceFixture("bert");
        var model = ModelLoader.Load(fx.Folder);
        var plan = SparsityPlan.FromJson("""{ "bert.encoder.layer.0.attention.self.query.weight": 0.25, "bert.encoder.layer.1.output.dense": 0.75 }""");
        var fitted = new CompressionContext(1).Pruning.Magnitude(new MagnitudePruningEstimator.Options { Plan = plan, Scope = PruningScope.Local }).Fit(model);
        Assert.Equal(2, fitted.Changes.Count);
        Assert.Equal(0.25, fitted.Changes.Single(c => c.Layer == "bert.encoder.layer.0.attention.self.query").Sparsity!.Value, 12);
        Assert.Equal(0.75, fitted.Changes.Single(c => c.Layer == "bert.encoder.layer.1.output.dense").Sparsity!.Value, 12);
    }

    [Fact]
    public void Plan_BadInputNamesTheFileAndKey()
    {
        var e = Assert.Throws<CheckpointException>(() => SparsityPlan.FromJson("""{ "a.b": 1.5 }""", "plan.json"));
        Assert.Contains("plan.json", e.Message);
        Assert.Contains("a.b", e.Message);
        e = Assert.Throws<CheckpointException>(() => SparsityPlan.FromJson("{ \"a\": ", "plan.json"));
        Assert.Contains("line", e.Message);
        using var fx = new ReferenceFixture("bert");
        var unknown = Assert.Throws<ArgumentException>(() => SparsityPlan.FromJson("""{ "encoder.nope": 0.5 }""").Resolve(ModelLoader.Load(fx.Folder)));
        Assert.Contains("encoder.nope", unknown.Message);
        Assert.Throws<ArgumentException>(() => new CompressionContext(1).Pruning.Magnitude(new MagnitudePruningEstimator.Options { Plan = SparsityPlan.FromJson("""{ "a": 0.5 }""") }));
    }

    [Fact]
    public void Chain_PruneThenPruneAgain_KeepsEarlierZeros()
    {
        using var fx = new ReferenceFixture("bert");
        var ctx = new CompressionContext(1);
        var chain = ctx.Pruning.NM(2, 4, ModuleGroup.Ffn).Append(ctx.Pruning.Magnitude(0.6, ModuleGroup.AttentionQkv, PruningScope.Local));
        var fitted = chain.Fit(ModelLoader.Load(fx.Folder));
        Assert.Contains(fitted.Model.Linears, l => l.Weight.Format == NMWeight.FormatName);
        Assert.Contains(fitted.Model.Linears, l => l.Weight.Format == CsrWeight.FormatName);
    }

    [Fact]
    public void Owl_ReportsPerBlockSparsitiesAveragingTheTarget()
    {
        using var fx = new ReferenceFixture("bert");
        var fitted = new CompressionContext(1).Pruning.Owl(0.5, ModuleGroup.All, lambda: 0.1, outlierThreshold: 2).Fit(ModelLoader.Load(fx.Folder), Calibration());
        var perBlock = fitted.Changes.GroupBy(c => c.Details["block"]).Select(g => double.Parse(g.First().Details["target_sparsity"], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, perBlock.Count); // bert.encoder.layer.0 and .1
        Assert.Equal(0.5, perBlock.Average(), 6);
        Assert.All(perBlock, s => Assert.InRange(s, 0.4 - 1e-9, 0.6 + 1e-9));
    }
}
