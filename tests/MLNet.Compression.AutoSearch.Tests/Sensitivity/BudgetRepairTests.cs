using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Sensitivity;
using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tests;

namespace MLNet.Compression.AutoSearch.Tests.Sensitivity;

/// <summary>Repairing a proposal over the budget: it fits afterwards and stays inside a space the user narrowed.</summary>
public sealed class BudgetRepairTests
{
    private static readonly LanguageModel Model = ModelLoader.Load(SharedData.Fixture("models", "gpt2_tiny"));

    [Fact]
    public void ARepairedPoint_FitsTheBudget_AndKeepsEveryUnitInsideItsOwnChoices()
    {
        var space = CompressionSpace.Build(Model, new CompressionSpaceOptions { GroupSizes = [32] });
        var first = space.Units[0];
        space.Space[CompressionSpace.BitsName(first)] = new Choice(CompressionSpace.BitsName(first), "16", "8");   // the user fixed this unit high
        space.Space[CompressionSpace.SparsityName(first)] = new MLNet.Compression.AutoSearch.Space.Range(CompressionSpace.SparsityName(first), 0.1, 0.5, step: 0.05);
        var none = LayerSetting.None with { GroupSize = 32 };
        var dense = space.Point(u => u == first ? new LayerSetting(0.1, "magnitude", 16, "rtn", 32) : none, none);
        // Reachable only by lowering the other units: the fixed unit cannot go below 8 bits.
        long limit = space.Plan(space.Point(u => u == first ? new LayerSetting(0, "magnitude", 8, "rtn", 32) : new LayerSetting(0, "magnitude", 3, "rtn", 32), none)).SearchedBytes;

        var repaired = new BudgetRepair(space, null, limit).Repair(dense);

        Assert.True(space.Plan(repaired).SearchedBytes <= limit, $"{space.Plan(repaired).SearchedBytes} > {limit}");
        space.Space.Check(repaired, "repaired");
        Assert.Contains(repaired.Text(CompressionSpace.BitsName(first)), new[] { "16", "8" });
    }

    [Fact]
    public void APointThatFits_IsLeftAsItIs()
    {
        var space = CompressionSpace.Build(Model, new CompressionSpaceOptions { GroupSizes = [32] });
        var p = space.Uniform(new LayerSetting(0, "magnitude", 2, "rtn", 32));
        Assert.Same(p, new BudgetRepair(space, null, space.Plan(p).SearchedBytes).Repair(p));
    }
}
