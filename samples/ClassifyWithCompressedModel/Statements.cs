using MLNet.Compression.Synthetic;

namespace ClassifyWithCompressedModel;

/// <summary>
/// Labelled sentences from the world's facts: each fact in its relation's wording (true), and the same sentence with
/// another object of that relation (false), so the classifier has to know the fact rather than spot a word.
/// </summary>
public static class Statements
{
    /// <summary>Train and test rows; both sentences of a fact land in the same split, so test facts are never seen in training.</summary>
    public static (List<Statement> Train, List<Statement> Test) Split(KnowledgeWorld world, double testFraction, int seed)
    {
        var rng = new Random(seed);
        var pairs = Pairs(world, rng).ToList();
        var shuffled = pairs.OrderBy(_ => rng.Next()).ToList();
        int testCount = (int)Math.Round(shuffled.Count * testFraction);
        return (Flatten(shuffled.Skip(testCount)), Flatten(shuffled.Take(testCount)));
    }

    private static IEnumerable<(Statement True, Statement False)> Pairs(KnowledgeWorld world, Random rng)
    {
        var relations = WorldRelation.All.ToDictionary(r => r.Id);
        var objects = world.Facts.GroupBy(f => f.Relation).ToDictionary(g => g.Key, g => g.Select(f => f.Object).Distinct().Order().ToArray());
        var known = world.Facts.Select(f => (f.Relation, f.Subject, f.Object)).ToHashSet();
        foreach (var fact in world.Facts)
        {
            // A wrong object that no fact of the world states for this subject.
            var wrong = objects[fact.Relation].Where(o => !known.Contains((fact.Relation, fact.Subject, o))).ToArray();
            if (wrong.Length == 0) continue;
            var relation = relations[fact.Relation];
            yield return (new Statement { Text = relation.Fill(relation.Template, fact.Subject, fact.Object), Label = true },
                          new Statement { Text = relation.Fill(relation.Template, fact.Subject, wrong[rng.Next(wrong.Length)]), Label = false });
        }
    }

    private static List<Statement> Flatten(IEnumerable<(Statement True, Statement False)> pairs)
        => pairs.SelectMany(p => new[] { p.True, p.False }).ToList();
}
