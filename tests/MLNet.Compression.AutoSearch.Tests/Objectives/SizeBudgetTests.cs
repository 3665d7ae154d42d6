using MLNet.Compression.AutoSearch.Objectives;

namespace MLNet.Compression.AutoSearch.Tests.Objectives;

public sealed class SizeBudgetTests
{
    [Theory]
    [InlineData("0.25", SizeBudgetKind.Fraction, 0.25)]
    [InlineData("1", SizeBudgetKind.Fraction, 1)]
    [InlineData("3bits", SizeBudgetKind.BitsPerWeight, 3)]
    [InlineData("2.5 bpw", SizeBudgetKind.BitsPerWeight, 2.5)]
    [InlineData("50MB", SizeBudgetKind.Bytes, 50e6)]
    [InlineData("1.5GB", SizeBudgetKind.Bytes, 1.5e9)]
    [InlineData("800kib", SizeBudgetKind.Bytes, 800 * 1024)]
    [InlineData("123456b", SizeBudgetKind.Bytes, 123456)]
    public void Parses_EveryForm(string text, SizeBudgetKind kind, double value)
    {
        var b = SizeBudget.Parse(text, "--size-budget");
        Assert.Equal(kind, b.Kind);
        Assert.Equal(value, b.Value, 6);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("-0.2")]
    [InlineData("lots")]
    [InlineData("3 parsecs")]
    [InlineData("40bits")]
    public void BadText_IsOneLineNamingTheOption(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => SizeBudget.Parse(text, "--size-budget"));
        Assert.StartsWith("--size-budget: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Limits_AreOnTheSearchedLayers()
    {
        // 1000 weights stored as 4000 dense bytes; 600 bytes of embeddings stay as they are.
        Assert.Equal(1000, SizeBudget.Parse("0.25", "x").SearchedLimit(4000, 1000, 600));
        Assert.Equal(375, SizeBudget.Parse("3bits", "x").SearchedLimit(4000, 1000, 600));
        Assert.Equal(1400, SizeBudget.Parse("2000b", "x").SearchedLimit(4000, 1000, 600));
    }
}
