using MLNet.Compression.Modeling;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Pruning;
using MLNet.Compression.Quantization;
using MLNet.Compression.Recipes;
using MLNet.Compression.Tests.Modeling;

namespace MLNet.Compression.Tests.Pipeline;

/// <summary>The estimator contract: chains keep every stage, Preview says what Fit will do, defaults live in Options only.</summary>
public class EstimatorContractTests
{
    private static LanguageModel Bert(out ReferenceFixture fx)
    {
        fx = new ReferenceFixture("bert");
        return ModelLoader.Load(fx.Folder);
    }

    [Fact]
    public void Chain_KeepsEachStagesTransformer_AndTheLastOneTyped()
    {
        var model = Bert(out var fx);
        using var _ = fx;
        var ctx = new CompressionContext(seed: 3);
        var chain = ctx.Pruning.Magnitude(0.5, ModuleGroup.Ffn).Append(ctx.Quantization.DynamicInt8(ModuleGroup.Ffn)).Append(ctx.Pruning.Random(0.1, ModuleGroup.AttentionQkv));
        var fitted = chain.Fit(model);

        Assert.Equal(3, chain.Stages.Count);
        Assert.Equal(3, fitted.Count);
        Assert.IsType<PruningTransformer>(fitted[0]);
        Assert.IsType<ModelTransformer>(fitted[1]);
        Assert.Same(fitted[2], fitted.LastTransformer);
        Assert.Same(fitted.LastTransformer.Model, fitted.Model);
        Assert.Equal(fitted.Select(t => t.Changes.Count).Sum(), fitted.Changes.Count);
        // The first stage's own transformer still reports its overall sparsity.
        Assert.InRange(((PruningTransformer)fitted[0]).OverallSparsity, 0.4999, 0.5001);
        Assert.InRange(fitted.LastTransformer.OverallSparsity, 0.09, 0.11);
    }

    [Fact]
    public void Preview_NamesTheLayersAndTargetsFitWillChange_WithoutChangingAnything()
    {
        var model = Bert(out var fx);
        using var _ = fx;
        var ctx = new CompressionContext(seed: 1);
        var chain = ctx.Pruning.Magnitude(0.3, ModuleGroup.Ffn).Append(ctx.Quantization.WeightOnly(bits: 3, groupSize: 16, groups: ModuleGroup.AttentionQkv));
        var weightsBefore = model.Linears.Select(l => l.Weight).ToList();

        var preview = chain.Preview(model)!;
        var fitted = chain.Fit(model);

        Assert.Equal(weightsBefore, model.Linears.Select(l => l.Weight));
        Assert.Equal(fitted.Changes.Select(c => (c.Layer, c.Stage, c.Method, c.Bits)), preview.Select(c => (c.Layer, c.Stage, c.Method, c.Bits)));
        Assert.All(preview.Where(c => c.Stage == "prune"), c => Assert.Equal(0.3, c.Sparsity));
        Assert.All(preview.Where(c => c.Stage == "quantize"), c => Assert.Equal(3, c.Bits));
    }

    [Fact]
    public void Preview_RefusesABitPlanThatDoesNotCoverTheChosenLayers_BeforeAnyWork()
    {
        var model = Bert(out var fx);
        using var _ = fx;
        var ctx = new CompressionContext();
        var plan = new BitPlan(new Dictionary<string, int> { [model.Linears[0].Name] = 4 });
        var gptq = ctx.Quantization.Gptq(bits: 4, groups: ModuleGroup.Ffn, plan: plan);
        Assert.ThrowsAny<ArgumentException>(() => gptq.Preview(model));
    }

    [Fact]
    public void Preview_RefusesASparsityPlanNamingALayerTheModelLacks()
    {
        var model = Bert(out var fx);
        using var _ = fx;
        var ctx = new CompressionContext();
        var pruner = ctx.Pruning.Magnitude(new MagnitudePruningEstimator.Options { Scope = PruningScope.Local, Plan = new SparsityPlan(new Dictionary<string, double> { ["no.such.layer"] = 0.5 }) });
        Assert.ThrowsAny<ArgumentException>(() => pruner.Preview(model));
    }

    [Fact]
    public void CatalogShortOverloads_TakeTheOptionsDefaults()
    {
        var ctx = new CompressionContext();
        Assert.Equal(new StructuredPruningEstimator.Options().NormOrder, ((StructuredPruningEstimator.Options)ctx.Pruning.LnStructured().Settings).NormOrder);
        Assert.Equal(new MagnitudePruningEstimator.Options().Scope, ((MagnitudePruningEstimator.Options)ctx.Pruning.Magnitude().Settings).Scope);
        Assert.Equal(new RandomPruningEstimator.Options().Scope, ((RandomPruningEstimator.Options)ctx.Pruning.Random().Settings).Scope);
        Assert.Equal(new PruningOptions().Sparsity, ctx.Pruning.Wanda().Settings.Sparsity);
        Assert.Equal(ModuleGroup.AttentionQkv.ToString(), ctx.Pruning.Heads().Settings.Groups.ToString());
        Assert.Equal(ModuleGroup.Ffn.ToString(), ctx.Pruning.Neurons().Settings.Groups.ToString());
        var gptq = ctx.Quantization.Gptq().Settings;
        var defaults = new GptqEstimator.Options();
        Assert.Equal((defaults.Bits, defaults.GroupSize, defaults.PercentDamp, defaults.BlockSize), (gptq.Bits, gptq.GroupSize, gptq.PercentDamp, gptq.BlockSize));
        Assert.Equal(new WeightOnlyEstimator.Options().Bits, ctx.Quantization.WeightOnly().Settings.Bits);
    }

    [Fact]
    public void RecipeStagesWithoutFields_TakeTheOptionsDefaults_SameAsTheCatalog()
    {
        var ctx = new CompressionContext();
        IModelEstimator<ModelTransformer> Build(string stage, string method)
        {
            var s = new RecipeStage { Stage = stage, Method = method };
            return RecipeMethods.FactoryOf(RecipeMethods.Find(stage, method))(ctx, s, ModuleGroup.All);
        }
        var ln = (StructuredPruningEstimator)Build("prune", "ln-structured");
        Assert.Equal(((StructuredPruningEstimator.Options)ctx.Pruning.LnStructured().Settings).NormOrder, ((StructuredPruningEstimator.Options)ln.Settings).NormOrder);
        var sgpt = (SparseGptPruningEstimator)Build("prune", "sparsegpt");
        var sgptDefaults = new SparseGptPruningEstimator.Options();
        var sgptSettings = (SparseGptPruningEstimator.Options)sgpt.Settings;
        Assert.Equal((sgptDefaults.BlockSize, sgptDefaults.Damping, sgptDefaults.Sparsity), (sgptSettings.BlockSize, sgptSettings.Damping, sgptSettings.Sparsity));
        var gptq = (GptqEstimator)Build("quantize", "gptq");
        var gptqDefaults = new GptqEstimator.Options();
        Assert.Equal((gptqDefaults.Bits, gptqDefaults.GroupSize, gptqDefaults.PercentDamp, gptqDefaults.ActOrder), (gptq.Settings.Bits, gptq.Settings.GroupSize, gptq.Settings.PercentDamp, gptq.Settings.ActOrder));
    }

    [Fact]
    public void QuantizationEstimators_KeepTheirContext()
    {
        var ctx = new CompressionContext(seed: 7);
        Assert.Same(ctx, ctx.Quantization.DynamicInt8().Context);
        Assert.Same(ctx, ctx.Quantization.Float16().Context);
        Assert.Same(ctx, ctx.Quantization.WeightOnly().Context);
        Assert.Same(ctx, ctx.Quantization.Gptq().Context);
    }
}
