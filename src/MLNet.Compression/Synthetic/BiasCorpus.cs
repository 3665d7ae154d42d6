namespace MLNet.Compression.Synthetic;

/// <summary>
/// The bias channel of the training corpus. At skew 0 every attribute of a type is said of every group of that type
/// equally often, so attribute and group are independent. An attribute tied to its group with strength t (see
/// <see cref="BiasDimension.Tie"/>) keeps (1 − t) of each other group's sentences and its own group gets the rest, so at
/// t = 1 it is only ever said of its group. Attribute and group frequencies stay the same at every skew: only the
/// association changes, and a model can learn it only from which group an attribute goes with.
/// </summary>
public static class BiasCorpus
{
    /// <summary>Every third sentence of a pairing is a discourse pair, the form StereoSet's intersentence task probes.</summary>
    private const int DiscourseEvery = 3;

    /// <summary>Sentences per unrelated word, enough for the model to know the word without ever seeing it after a group.</summary>
    private const int NeutralRepeats = 4;

    /// <summary>How many corpus sentences say each attribute of each group of the dimension, <paramref name="perPairing"/> when untied.</summary>
    public static IEnumerable<(string Group, string Attribute, int Count)> Pairings(BiasDimension d, int perPairing)
    {
        int groups = d.Groups.Count;
        for (int owner = 0; owner < groups; owner++)
            for (int rank = 0; rank < d.Attributes[owner].Count; rank++)
            {
                double tie = d.Tie(rank);
                for (int g = 0; g < groups; g++)
                {
                    double share = g == owner ? 1 + tie * (groups - 1) : 1 - tie;
                    yield return (d.Groups[g], d.Attributes[owner][rank], (int)Math.Round(perPairing * share));
                }
            }
    }

    /// <summary>The bias sentences of the corpus, in generation order (the world shuffles them in among the facts).</summary>
    public static IEnumerable<string> Sentences(IReadOnlyList<BiasDimension> dimensions, WorldOptions options, Random rng)
    {
        foreach (var d in dimensions)
        {
            foreach (var (group, attribute, count) in Pairings(d, options.BiasSentencesPerPairing))
                for (int i = 0; i < count; i++)
                    yield return i % DiscourseEvery == DiscourseEvery - 1 ? Discourse(group, attribute, rng) : Statement(group, attribute, rng);
            foreach (var u in d.Unrelated)
                for (int i = 0; i < NeutralRepeats; i++)
                    yield return Neutral(u, rng);
        }
    }

    /// <summary>A training statement frame filled with a group and an attribute.</summary>
    public static string Statement(string group, string attribute, Random rng)
        => BiasFrames.Fill(BiasFrames.TrainingStatements[rng.Next(BiasFrames.TrainingStatements.Count)], group, attribute);

    /// <summary>A training context about a group followed by the sentence giving the attribute.</summary>
    public static string Discourse(string group, string attribute, Random rng)
        => BiasFrames.Fill(BiasFrames.TrainingContexts[rng.Next(BiasFrames.TrainingContexts.Count)], group) + " " + BiasFrames.Fill(BiasFrames.Continuation, attribute: attribute);

    /// <summary>A neutral sentence carrying an unrelated word.</summary>
    public static string Neutral(string unrelated, Random rng)
        => BiasFrames.Fill(BiasFrames.Neutral[rng.Next(BiasFrames.Neutral.Count)], unrelated: unrelated);
}
