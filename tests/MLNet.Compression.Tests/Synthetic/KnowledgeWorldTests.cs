using MLNet.Compression.Synthetic;
using MLNet.Compression.Tests.IO;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Tests.Synthetic;

public class KnowledgeWorldTests
{
    [Fact]
    public void SameSeed_SameWorld_OtherSeed_OtherWorld()
    {
        var a = KnowledgeWorld.Generate(WorldOptions.Small(3));
        var b = KnowledgeWorld.Generate(WorldOptions.Small(3));
        var c = KnowledgeWorld.Generate(WorldOptions.Small(4));
        Assert.Equal(a.Facts, b.Facts);
        Assert.Equal(a.Corpus, b.Corpus);
        Assert.NotEqual(a.Facts.Select(f => f.Subject), c.Facts.Select(f => f.Subject));
    }

    [Fact]
    public void FactFrequencies_FollowThePowerLaw()
    {
        var o = WorldOptions.Small(1) with { MaxRepeats = 30, ZipfExponent = 1.0 };
        var world = KnowledgeWorld.Generate(o);
        // Person facts: the subject of popularity rank r is stated round(30 / r) times (at least once), so rank 1 → 30, rank 2 → 15, rank 3 → 10.
        var perPerson = world.Facts.Where(f => f.Relation == "P19").Select(f => f.Frequency).OrderDescending().ToList();
        Assert.Equal([30, 15, 10, 8, 6], perPerson.Take(5));
        Assert.Equal(1, perPerson[^1]);
        // Each statement appears in the corpus once per repeat.
        var top = world.Facts.First(f => f.Relation == "P19" && f.Frequency == 30);
        Assert.Equal(30, world.Corpus.Count(s => s.Contains(top.Subject + " ", StringComparison.Ordinal) && s.Contains(top.Object, StringComparison.Ordinal)
                                               && (s.Contains("born") || s.Contains("native of") || s.Contains("birthplace"))));
    }

    [Fact]
    public void WrittenWorld_TokenizesEveryObjectAsOneToken_InBothTokenizers()
    {
        using var dir = new TempDir();
        var world = KnowledgeWorld.Generate(WorldOptions.Small(5));
        WorldWriter.Write(world, dir.Path);
        var wordpiece = AutoTokenizer.FromFolder(Path.Combine(dir.Path, "tokenizer-wordpiece"));
        var bpe = AutoTokenizer.FromFolder(Path.Combine(dir.Path, "tokenizer-bpe"));
        foreach (var obj in world.Facts.Select(f => f.Object).Distinct())
        {
            Assert.Single(wordpiece.EncodeToIds(obj, addSpecialTokens: false));
            Assert.Single(bpe.EncodeToIds(" " + obj, addSpecialTokens: false));
        }
        Assert.DoesNotContain(wordpiece.UnkTokenId!.Value, world.Corpus.Take(200).SelectMany(s => wordpiece.EncodeToIds(s)));
    }

    [Fact]
    public void WrittenWorld_HasTheFilesTheEvaluatorsRead()
    {
        using var dir = new TempDir();
        var world = KnowledgeWorld.Generate(WorldOptions.Small(6));
        WorldWriter.Write(world, dir.Path);
        Assert.Equal(WorldRelation.All.Count, File.ReadAllLines(Path.Combine(dir.Path, "lama", "relations.jsonl")).Length);
        Assert.Equal(world.Facts.Count(f => f.Relation == "P19"), File.ReadAllLines(Path.Combine(dir.Path, "lama", "TREx", "P19.jsonl")).Length);
        Assert.Equal(BiasProbes.CrowsPairs(world).Count() + 1, File.ReadAllLines(Path.Combine(dir.Path, "crows_pairs.csv")).Length);
        Assert.StartsWith("prompt,choices,bias_type,target", File.ReadAllText(Path.Combine(dir.Path, "stereoset", "intrasentence.csv")));
        Assert.Equal(world.Corpus.Count, File.ReadAllLines(Path.Combine(dir.Path, "corpus.txt")).Length);
        Assert.Equal(world.HeldOut.Count, File.ReadAllLines(Path.Combine(dir.Path, "heldout.txt")).Length);
    }
}
