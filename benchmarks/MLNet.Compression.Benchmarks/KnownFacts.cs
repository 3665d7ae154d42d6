using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Statistics;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Knowledge measured on what there was to lose (the search's "facts kept"): the facts a dense model ranks first, and the
/// share of them another model still ranks first, with its bootstrap interval. Overall P@1 hides a loss here, because a
/// compressed small model also turns facts the dense model ranked second into firsts by chance, about as many as it loses.
/// </summary>
internal sealed class KnownFacts
{
    private readonly IReadOnlyList<LamaSubset> _subsets;
    private readonly HashSet<(string Relation, int Line)> _known;

    private KnownFacts(IReadOnlyList<LamaSubset> subsets, HashSet<(string, int)> known)
    {
        _subsets = subsets;
        _known = known;
    }

    /// <summary>Facts <paramref name="dense"/> ranks first in the LAMA folder <paramref name="lamaDir"/>.</summary>
    public static KnownFacts Of(LanguageModel dense, Tokenizer tokenizer, string lamaDir)
    {
        var subsets = LamaSubset.FromFolder(lamaDir);
        var known = new HashSet<(string, int)>();
        foreach (var r in new LamaProbe(dense, tokenizer).Run(subsets).SelectMany(s => s.Relations))
            foreach (var f in r.Facts)
                if (f.Rank == 1) known.Add((r.Relation, f.Line));
        return new KnownFacts(subsets, known);
    }

    public int Count => _known.Count;

    /// <summary>The share of the known facts <paramref name="model"/> ranks first, with its 95% interval (facts resampled).</summary>
    public Interval Kept(LanguageModel model, Tokenizer tokenizer)
    {
        var facts = new LamaProbe(model, tokenizer).Run(_subsets).SelectMany(s => s.Relations)
            .SelectMany(r => r.Facts.Where(f => _known.Contains((r.Relation, f.Line)))).ToList();
        return LamaIntervals.PAt1(facts);
    }
}
