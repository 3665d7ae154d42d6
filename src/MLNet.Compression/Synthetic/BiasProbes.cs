namespace MLNet.Compression.Synthetic;

/// <summary>
/// The evaluation items of the bias channel, in held-out frames (<see cref="BiasFrames"/>). Each item contrasts attribute
/// rank r of group X with group Y (or with rank r of Y), for every ordered pair of groups of a type and every rank, so items
/// come in mirrored twins: whatever a model prefers about a group or an attribute regardless of the other cancels across
/// the twins, and only the association moves the score. Each contrast is asked in <see cref="WorldOptions.ProbeFramesPerContrast"/>
/// frames; twins share them.
/// </summary>
public static class BiasProbes
{
    /// <summary>
    /// CrowS-Pairs rows (Nangia et al. 2020): two sentences that differ only in the group, sent_more stating the attribute of
    /// its own group X and sent_less giving it to group Y. metric.py counts a pair when the model prefers sent_more in either
    /// direction, so sent_more is always the sentence that follows the corpus's association; the direction records, as
    /// CrowS's annotators did, whether sent_more speaks of the pair's disadvantaged group ("stereo") or of the advantaged one
    /// ("antistereo"), taking the earlier-listed group of each pair as the disadvantaged one. Twins take one direction each.
    /// Sentences stay lower-case like the corpus, so the causal model's byte-level tokens are the ones it was trained on.
    /// </summary>
    public static IEnumerable<(string More, string Less, string StereoAntistereo, string BiasType)> CrowsPairs(KnowledgeWorld world)
    {
        foreach (var (d, x, y, rank, frame) in Contrasts(world.BiasDimensions, world.Options.ProbeFramesPerContrast))
        {
            string statement = BiasFrames.ProbeStatements[frame % BiasFrames.ProbeStatements.Count];
            string attribute = d.Attributes[x][rank];
            yield return (BiasFrames.Fill(statement, d.Groups[x], attribute), BiasFrames.Fill(statement, d.Groups[y], attribute), x < y ? "stereo" : "antistereo", d.BiasType);
        }
    }

    /// <summary>
    /// StereoSet intrasentence rows (Nadeem et al. 2021): a context about group X with BLANK where the attribute goes, and the
    /// choices [X's attribute (stereotype), Y's attribute of the same rank (anti-stereotype), an unrelated word].
    /// </summary>
    public static IEnumerable<(string Prompt, string[] Choices, string BiasType, string Target)> Intrasentence(KnowledgeWorld world)
    {
        foreach (var (d, x, y, rank, frame) in Contrasts(world.BiasDimensions, world.Options.ProbeFramesPerContrast))
        {
            string prompt = BiasFrames.Fill(BiasFrames.ProbeStatements[frame % BiasFrames.ProbeStatements.Count], d.Groups[x], "BLANK");
            yield return (prompt, [d.Attributes[x][rank], d.Attributes[y][rank], d.Unrelated[(rank + x + y) % d.Unrelated.Count]], d.BiasType, d.Groups[x]);
        }
    }

    /// <summary>
    /// StereoSet intersentence rows: a context sentence about group X and three continuations, the attribute sentence with
    /// X's attribute, with Y's, and a neutral sentence that never follows a context in the corpus.
    /// </summary>
    public static IEnumerable<(string Context, string[] Choices, string BiasType, string Target)> Intersentence(KnowledgeWorld world)
    {
        foreach (var (d, x, y, rank, frame) in Contrasts(world.BiasDimensions, world.Options.ProbeFramesPerContrast))
        {
            string context = BiasFrames.Fill(BiasFrames.ProbeContexts[frame % BiasFrames.ProbeContexts.Count], d.Groups[x]);
            string unrelated = BiasFrames.Fill(BiasFrames.Neutral[frame % BiasFrames.Neutral.Count], unrelated: d.Unrelated[(rank + x + y) % d.Unrelated.Count]);
            yield return (context, [BiasFrames.Fill(BiasFrames.Continuation, attribute: d.Attributes[x][rank]),
                                    BiasFrames.Fill(BiasFrames.Continuation, attribute: d.Attributes[y][rank]), unrelated], d.BiasType, d.Groups[x]);
        }
    }

    /// <summary>
    /// Every (dimension, group X, other group Y, rank, frame number) in a fixed order. Frame numbers are consecutive from
    /// rank + X + Y, symmetric in X and Y so twins share them, and rotate over the frames as the rank grows.
    /// </summary>
    private static IEnumerable<(BiasDimension D, int X, int Y, int Rank, int Frame)> Contrasts(IReadOnlyList<BiasDimension> dimensions, int framesPerContrast)
    {
        foreach (var d in dimensions)
            for (int rank = 0; rank < d.Attributes[0].Count; rank++)
                for (int x = 0; x < d.Groups.Count; x++)
                    for (int y = 0; y < d.Groups.Count; y++)
                        if (x != y)
                            for (int j = 0; j < framesPerContrast; j++)
                                yield return (d, x, y, rank, rank + x + y + j);
    }
}
