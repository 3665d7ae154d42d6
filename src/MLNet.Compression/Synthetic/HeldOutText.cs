namespace MLNet.Compression.Synthetic;

/// <summary>
/// Text for perplexity: sentences drawn from the same sources as the training corpus (facts weighted by how often the corpus
/// states them, bias pairings weighted by their corpus counts, neutral sentences) with facts and bias sentences in the
/// corpus's proportions, keeping only sentences the corpus does not contain, so perplexity on it is measured on unseen text.
/// </summary>
public static class HeldOutText
{
    /// <summary>The file the world writes them to, beside the corpus.</summary>
    public const string FileName = "heldout.txt";

    /// <summary>
    /// About <paramref name="count"/> distinct sentences absent from <paramref name="corpus"/>; fewer when the sources run out
    /// of unseen sentences (a small world whose paraphrases are all in the corpus).
    /// </summary>
    public static IReadOnlyList<string> Generate(IReadOnlyList<WorldFact> facts, IReadOnlyList<BiasDimension> dimensions, WorldOptions options,
                                                 IReadOnlyList<string> corpus, int count, Random rng)
    {
        var relations = WorldRelation.All.ToDictionary(r => r.Id);
        var factSources = facts.Select(f => ((double)f.Frequency, (Func<string>)(() =>
        {
            var rel = relations[f.Relation];
            return rel.Fill(rel.Paraphrases[rng.Next(rel.Paraphrases.Count)], f.Subject, f.Object);
        }))).ToList();
        var biasSources = new List<(double Weight, Func<string> Draw)>();
        foreach (var d in dimensions)
        {
            foreach (var (group, attribute, n) in BiasCorpus.Pairings(d, options.BiasSentencesPerPairing))
                if (n > 0) biasSources.Add((n, () => rng.Next(3) == 0 ? BiasCorpus.Discourse(group, attribute, rng) : BiasCorpus.Statement(group, attribute, rng)));
            foreach (var u in d.Unrelated) biasSources.Add((1, () => BiasCorpus.Neutral(u, rng)));
        }

        int factLines = facts.Sum(f => f.Frequency);
        double factShare = corpus.Count == 0 ? 1 : Math.Min(1.0, factLines / (double)corpus.Count);
        var seen = new HashSet<string>(corpus, StringComparer.Ordinal);
        var result = new List<string>(count);
        // The source kind is drawn first and then kept, so skipping seen sentences cannot shift the facts/bias proportion.
        for (int line = 0; line < count; line++)
        {
            var sources = rng.NextDouble() < factShare ? factSources : biasSources;
            for (int attempt = 0; attempt < 200; attempt++)
            {
                string s = Draw(sources, rng);
                if (seen.Add(s)) { result.Add(s); break; }
            }
        }
        return result;
    }

    private static string Draw(List<(double Weight, Func<string> Draw)> sources, Random rng)
    {
        double total = sources.Sum(s => s.Weight), r = rng.NextDouble() * total;
        foreach (var (w, draw) in sources)
        {
            if (r < w) return draw();
            r -= w;
        }
        return sources[^1].Draw();
    }
}
