using MLNet.Compression.Evaluation.Knowledge;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// The facts a dense model knows (ranked first, P@1) and how many of them a compressed model keeps: the knowledge a
/// compression takes away, measured on the facts there was to lose.
/// </summary>
public static class KnownFacts
{
    /// <summary>"relation/uuid" (or "relation/line{n}") of every fact the model of <paramref name="dense"/> ranks first.</summary>
    public static HashSet<string> Of(ModelScores dense)
        => dense.Relations.SelectMany(r => r.Facts.Where(f => f.Rank == 1).Select(f => Key(r.Relation, f))).ToHashSet(StringComparer.Ordinal);

    /// <summary>The facts of <paramref name="scores"/> that the dense model knows.</summary>
    public static IReadOnlyList<LamaFactResult> Among(ModelScores scores, ModelScores dense)
    {
        var known = Of(dense);
        return scores.Relations.SelectMany(r => r.Facts.Where(f => known.Contains(Key(r.Relation, f)))).ToList();
    }

    /// <summary>Share of the dense model's known facts that <paramref name="scores"/> still ranks first (1 when there are none).</summary>
    public static double Retained(ModelScores scores, ModelScores dense)
    {
        var facts = Among(scores, dense);
        return facts.Count == 0 ? 1 : facts.Count(f => f.Rank == 1) / (double)facts.Count;
    }

    /// <summary>Mean −log p of the gold object over the facts the dense model knows: a smooth form of <see cref="Retained"/> (NaN when there are none).</summary>
    public static double Nll(ModelScores scores, ModelScores dense)
    {
        var nll = Among(scores, dense).Where(f => double.IsFinite(f.GoldLogProb)).Select(f => -f.GoldLogProb).ToList();
        return nll.Count == 0 ? double.NaN : nll.Average();
    }

    /// <summary>Whether each fact the dense model knows is still ranked first by <paramref name="scores"/>, by fact key.</summary>
    public static IReadOnlyDictionary<string, bool> Outcomes(ModelScores scores, ModelScores dense)
    {
        var known = Of(dense);
        return scores.Relations.SelectMany(r => r.Facts.Where(f => known.Contains(Key(r.Relation, f))).Select(f => (K: Key(r.Relation, f), V: f.Rank == 1)))
            .GroupBy(x => x.K).ToDictionary(g => g.Key, g => g.First().V, StringComparer.Ordinal);
    }

    /// <summary>The key of a fact: "relation/uuid", or "relation/line{n}" without a uuid.</summary>
    public static string Key(string relation, LamaFactResult f) => relation + "/" + (f.Uuid ?? "line" + f.Line);
}
