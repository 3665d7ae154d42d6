using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Tests.Experiment;
using MLNet.Compression.Recipes;

namespace MLNet.Compression.AutoSearch.Tests.Evaluation;

/// <summary>The calibration-text KL the sensitivity pass uses: zero for the dense model, and larger the coarser the quantization.</summary>
public sealed class CalibrationKlTests(TinyWorldFixture world) : IClassFixture<TinyWorldFixture>
{
    [Fact]
    public void IsZeroForDense_AndGrowsAsBitsShrink_ForAMaskedLm()
    {
        var data = SearchDataset.Load(world.Model, world.Data());
        var kl = CalibrationKl.Create(data)!;
        Assert.True(kl.Positions > 50, $"{kl.Positions} positions");
        Assert.Equal(0, kl.Measure(data.Dense), 6);
        var space = CompressionSpace.Build(data.Dense, new CompressionSpaceOptions { GroupSizes = [32] });
        double At(int bits) => kl.Measure(RecipeRunner.Chain(space.Plan(space.Uniform(new LayerSetting(0, "magnitude", bits, "rtn", 32))).ToRecipe(null, 1, null), "t").Fit(data.Dense).Model);
        double k8 = At(8), k4 = At(4), k2 = At(2);
        Assert.True(0 < k8 && k8 < k4 && k4 < k2, $"8-bit {k8}, 4-bit {k4}, 2-bit {k2}");
    }

    [Fact]
    public void WithoutCalibrationText_ThereIsNone()
        => Assert.Null(CalibrationKl.Create(SearchDataset.Load(world.Model, world.Data(calibration: false))));
}
