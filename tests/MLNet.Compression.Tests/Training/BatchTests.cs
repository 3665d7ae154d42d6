using MLNet.Compression.Tensors.Autograd;
using MLNet.Compression.Training;

namespace MLNet.Compression.Tests.Training;

/// <summary>Masked-LM and causal-LM batches.</summary>
public class BatchTests
{
    private static readonly HashSet<int> Special = [0, 1, 2, 3];
    private const int MaskId = 3, Vocab = 1000;

    private static List<int[]> Rows()
    {
        var rows = new List<int[]>();
        for (int r = 0; r < 50; r++)
        {
            var row = new List<int> { 1 };
            for (int i = 0; i < 20 + r % 30; i++) row.Add(10 + (r * 37 + i * 11) % 900);
            row.Add(2);
            rows.Add(row.ToArray());
        }
        return rows;
    }

    [Fact]
    public void MaskedLm_SelectsFifteenPercentSplit80_10_10AndNeverSpecialTokens()
    {
        var batches = new LanguageModelingBatches(Rows(), padTokenId: 0, new() { BatchSize = 32, SequenceLength = 40 });
        var rng = new TrainingRandom(7);
        long real = 0, selected = 0, masked = 0, kept = 0;
        for (int n = 0; n < 200; n++)
        {
            var b = batches.MaskedLm(rng, MaskId, Vocab, Special);
            for (int i = 0; i < b.InputIds.Length; i++)
            {
                if (b.Labels[i] == Tape.IgnoreIndex)
                {
                    Assert.NotEqual(MaskId, b.InputIds[i]); // unselected tokens are untouched
                    if (b.AttentionMask[i] == 1 && !Special.Contains(b.InputIds[i])) real++;
                    continue;
                }
                Assert.Equal(1, b.AttentionMask[i]);
                Assert.DoesNotContain(b.Labels[i], Special);
                real++;
                selected++;
                if (b.InputIds[i] == MaskId) masked++;
                else if (b.InputIds[i] == b.Labels[i]) kept++;
            }
        }
        // ~100k candidate tokens: binomial standard errors are well under 0.5 percentage points.
        Assert.InRange((double)selected / real, 0.14, 0.16);
        Assert.InRange((double)masked / selected, 0.78, 0.82);
        // kept ≈ 10%, plus the 0.1% of random draws that land on the original id
        Assert.InRange((double)kept / selected, 0.085, 0.115);
    }

    [Fact]
    public void MaskedLm_SameSeedSameBatch()
    {
        var batches = new LanguageModelingBatches(Rows(), 0);
        var a = batches.MaskedLm(new TrainingRandom(3), MaskId, Vocab, Special);
        var b = batches.MaskedLm(new TrainingRandom(3), MaskId, Vocab, Special);
        var c = batches.MaskedLm(new TrainingRandom(4), MaskId, Vocab, Special);
        Assert.Equal(a.InputIds, b.InputIds);
        Assert.Equal(a.Labels, b.Labels);
        Assert.NotEqual(a.Labels, c.Labels);
    }

    [Fact]
    public void CausalLm_LabelsAreIdsAndPaddingIsIgnored()
    {
        var batches = new LanguageModelingBatches([[5, 6, 7], [8, 9, 10, 11, 12, 13]], padTokenId: 0, new() { BatchSize = 4, SequenceLength = 5 });
        var b = batches.CausalLm(new TrainingRandom(1));
        for (int i = 0; i < b.InputIds.Length; i++)
            Assert.Equal(b.AttentionMask[i] == 1 ? b.InputIds[i] : Tape.IgnoreIndex, b.Labels[i]);
        for (int r = 0; r < 4; r++)
        {
            var row = b.InputIds.AsSpan(r * 5, 5).ToArray();
            // the short row is padded, the long one truncated to 5
            Assert.True(row.SequenceEqual([5, 6, 7, 0, 0]) || row.SequenceEqual([8, 9, 10, 11, 12]), string.Join(",", row));
        }
        Assert.Equal(b.Batch * 5, b.Labels.Length);
    }

    [Fact]
    public void TrainingRandom_StateRoundTripsAndNextIntIsInRange()
    {
        var r = new TrainingRandom(42);
        var state = r.State;
        var first = Enumerable.Range(0, 5).Select(_ => r.NextUInt64()).ToArray();
        r.State = state;
        Assert.Equal(first, Enumerable.Range(0, 5).Select(_ => r.NextUInt64()).ToArray());
        var counts = new int[3];
        for (int i = 0; i < 30000; i++) counts[r.NextInt(3)]++;
        Assert.All(counts, c => Assert.InRange(c, 9500, 10500));
    }
}
