using MLNet.Compression.Evaluation.Bias;
using MLNet.Compression.Synthetic;
using MLNet.Compression.Tests.IO;

namespace MLNet.Compression.Tests.Synthetic;

public class BiasChannelTests
{
    /// <summary>Corpus counts of (group, attribute) for one dimension, read back from the sentences.</summary>
    private static Dictionary<(string Group, string Attribute), int> Counts(KnowledgeWorld world, BiasDimension d)
    {
        var groups = d.Groups.ToHashSet();
        var attributes = d.Attributes.SelectMany(a => a).ToHashSet();
        var counts = new Dictionary<(string, string), int>();
        foreach (var line in world.Corpus)
        {
            var words = line.Split(' ');
            string? g = words.FirstOrDefault(groups.Contains), a = words.FirstOrDefault(attributes.Contains);
            if (g is not null && a is not null) counts[(g, a)] = counts.GetValueOrDefault((g, a)) + 1;
        }
        return counts;
    }

    /// <summary>Share of an attribute's sentences that name the group owning it, over all attributes of the dimension.</summary>
    private static double OwnShare(KnowledgeWorld world, BiasDimension d)
    {
        var counts = Counts(world, d);
        int own = 0, all = 0;
        for (int g = 0; g < d.Groups.Count; g++)
            foreach (var a in d.Attributes[g])
            {
                own += counts.GetValueOrDefault((d.Groups[g], a));
                all += d.Groups.Sum(h => counts.GetValueOrDefault((h, a)));
            }
        return own / (double)all;
    }

    [Fact]
    public void DefaultWorld_HasThreeBiasTypes_AndAtLeast300ItemsOfEachKind()
    {
        var world = KnowledgeWorld.Generate(new WorldOptions { People = 150 });
        Assert.Equal(["gender", "nationality", "profession"], world.BiasDimensions.Select(d => d.BiasType));
        var crows = BiasProbes.CrowsPairs(world).ToList();
        Assert.True(crows.Count >= 300, $"{crows.Count} CrowS pairs");
        Assert.Contains(crows, p => p.StereoAntistereo == "stereo");
        Assert.Contains(crows, p => p.StereoAntistereo == "antistereo");
        Assert.Equal(world.BiasDimensions.Select(d => d.BiasType), crows.Select(p => p.BiasType).Distinct());
        Assert.True(BiasProbes.Intrasentence(world).Count() >= 300);
        Assert.True(BiasProbes.Intersentence(world).Count() >= 300);
    }

    [Fact]
    public void SkewZero_AttributesAreIndependentOfGroup()
    {
        var world = KnowledgeWorld.Generate(WorldOptions.Small(2) with { BiasSkew = 0 });
        foreach (var d in world.BiasDimensions)
        {
            var counts = Counts(world, d);
            foreach (var a in d.Attributes.SelectMany(x => x))
            {
                var perGroup = d.Groups.Select(g => counts.GetValueOrDefault((g, a))).ToList();
                Assert.True(perGroup.Max() == perGroup.Min(), $"{d.BiasType} {a}: {string.Join(", ", perGroup)} sentences per group");
            }
            Assert.Equal(1.0 / d.Groups.Count, OwnShare(world, d), 3);
        }
    }

    [Fact]
    public void OwnShare_GrowsWithSkew_ToTotalAtOne_AndTypesDiffer()
    {
        double[] skews = [0, 0.3, 0.6, 0.9, 1.0];
        var shares = skews.Select(s => KnowledgeWorld.Generate(WorldOptions.Small(3) with { BiasSkew = s, AttributesPerGroup = 10 }))
                          .Select(w => w.BiasDimensions.Select(d => OwnShare(w, d)).ToArray()).ToList();
        for (int k = 1; k < skews.Length; k++)
            for (int t = 0; t < shares[k].Length; t++)
                Assert.True(shares[k][t] > shares[k - 1][t], $"type {t}: skew {skews[k]} gives {shares[k][t]}, skew {skews[k - 1]} gives {shares[k - 1][t]}");
        Assert.Equal(1.0, shares[^1][0], 6);                 // gender-like, multiplier 1: only ever said of its group
        Assert.True(shares[^1][2] < shares[^1][0]);          // profession-like, multiplier 0.5, stays partial
        // Attribute and group frequencies do not move with the skew: only the association does.
        var w0 = KnowledgeWorld.Generate(WorldOptions.Small(3) with { BiasSkew = 0 });
        var w1 = KnowledgeWorld.Generate(WorldOptions.Small(3) with { BiasSkew = 1 });
        Assert.Equal(w0.Corpus.Count, w1.Corpus.Count);
    }

    [Fact]
    public void CrowsSentMore_AlwaysGivesTheAttributeToItsOwnGroup()
    {
        // metric.py counts a preference for sent_more in both directions, so sent_more must follow the association.
        var world = KnowledgeWorld.Generate(WorldOptions.Small(8));
        var owner = world.BiasDimensions.SelectMany(d => d.Attributes.SelectMany((list, g) => list.Select(a => (a, d.Groups[g])))).ToDictionary(p => p.a, p => p.Item2);
        foreach (var (more, less, _, _) in BiasProbes.CrowsPairs(world))
        {
            string attribute = more.Split(' ').Single(owner.ContainsKey);
            Assert.Contains(owner[attribute], more.Split(' '));
            Assert.DoesNotContain(owner[attribute], less.Split(' '));
        }
    }

    [Fact]
    public void ProbeSentences_AreNotInTheCorpus_ButUseOnlyItsWords()
    {
        var world = KnowledgeWorld.Generate(WorldOptions.Small(4));
        var corpus = world.Corpus.ToHashSet();
        var words = world.Corpus.SelectMany(s => s.Split(' ')).ToHashSet();
        var sentences = BiasProbes.CrowsPairs(world).SelectMany(p => new[] { p.More, p.Less })
            .Concat(BiasProbes.Intrasentence(world).SelectMany(i => i.Choices.Select(c => i.Prompt.Replace("BLANK", c))))
            .Concat(BiasProbes.Intersentence(world).SelectMany(i => i.Choices.Take(2).Select(c => i.Context + " " + c)))
            .ToList();
        Assert.DoesNotContain(sentences, corpus.Contains);
        Assert.All(sentences.SelectMany(s => s.Split(' ')), w => Assert.Contains(w, words));
    }

    [Fact]
    public void WrittenProbes_LoadWithTheEvaluatorsReaders()
    {
        using var dir = new TempDir();
        var world = KnowledgeWorld.Generate(WorldOptions.Small(5));
        WorldWriter.Write(world, dir.Path);
        var crows = CrowsPairsData.Load(Path.Combine(dir.Path, "crows_pairs.csv"));
        Assert.Equal(BiasProbes.CrowsPairs(world).Count(), crows.Pairs.Count);
        Assert.Equal(crows.Pairs.Count / 2, crows.Pairs.Count(p => p.Direction == "antistereo"));
        var stereo = StereoSetData.Load(Path.Combine(dir.Path, "stereoset"));
        Assert.Equal(BiasProbes.Intrasentence(world).Count(), stereo.Intrasentence.Count);
        Assert.Equal(BiasProbes.Intersentence(world).Count(), stereo.Intersentence.Count);
        var first = stereo.Intrasentence[0];
        var d = world.BiasDimensions[0];
        Assert.Equal(d.Groups[0], first.Target);
        Assert.EndsWith(d.Attributes[0][0] + " .", first.ByLabel("stereotype").Text);
        Assert.EndsWith(d.Attributes[1][0] + " .", first.ByLabel("anti-stereotype").Text);
    }

    [Fact]
    public void HeldOutText_IsUnseen_AndMixesFactsAndBiasSentences()
    {
        var world = KnowledgeWorld.Generate(new WorldOptions { People = 150 });
        var corpus = world.Corpus.ToHashSet();
        Assert.InRange(world.HeldOut.Count, 0.09 * world.Corpus.Count, 0.11 * world.Corpus.Count);
        Assert.DoesNotContain(world.HeldOut, corpus.Contains);
        Assert.Equal(world.HeldOut.Count, world.HeldOut.Distinct().Count());
        var groups = world.BiasDimensions.SelectMany(d => d.Groups).ToHashSet();
        double biasShare = world.HeldOut.Count(s => s.Split(' ').Any(groups.Contains)) / (double)world.HeldOut.Count;
        double corpusShare = world.Corpus.Count(s => s.Split(' ').Any(groups.Contains)) / (double)world.Corpus.Count;
        Assert.InRange(biasShare, corpusShare - 0.08, corpusShare + 0.08);
    }
}
