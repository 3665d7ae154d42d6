namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>One probed fact: its source line, gold object, the gold's rank and the model's best guess.</summary>
public sealed record LamaFactResult(string? Uuid, int Line, int NSourceLines, string Gold, int GoldId, int Rank, string Top1, int Top1Id, double GoldLogProb)
{
    /// <summary>Namburi et al. 2023: the lower-cased decoded top-5 predictions, best first (filled under that protocol only).</summary>
    public IReadOnlyList<string>? Top5 { get; init; }
}

/// <summary>A relation's scores and every fact behind them.</summary>
public sealed record LamaRelationResult(string Relation, string? Template, int NLines, int NSkipped, int NMultiToken, int NBadLines,
                                        IReadOnlyList<LamaFactResult> Facts, int K = 10, int MrrCutoff = 10_000)
{
    /// <summary>Facts scored.</summary>
    public int NFacts => Facts.Count;

    /// <summary>Share of facts whose gold ranks first.</summary>
    public double PAt1 => Mean(f => f.Rank == 1 ? 1 : 0);

    /// <summary>Share of facts whose gold ranks within <see cref="K"/>.</summary>
    public double PAtK => Mean(f => f.Rank <= K ? 1 : 0);

    /// <summary>Mean reciprocal rank, LAMA's rule: a rank beyond <see cref="MrrCutoff"/> counts 0 (get_ranking uses topk=10000).</summary>
    public double Mrr => Mean(f => f.Rank <= MrrCutoff ? 1.0 / f.Rank : 0);

    /// <summary>Mean reciprocal rank without the cut-off (not LAMA's; kept for comparison).</summary>
    public double MrrUntruncated => Mean(f => 1.0 / f.Rank);

    /// <summary>Namburi et al. 2023: share of facts whose lower-cased decoded top-1 / top-5 prediction equals the label.</summary>
    public double NamburiTop1 => Mean(f => f.Top5 is { Count: > 0 } t && t[0] == f.Gold ? 1 : 0);

    /// <inheritdoc cref="NamburiTop1"/>
    public double NamburiTop5 => Mean(f => f.Top5 is { } t && t.Contains(f.Gold) ? 1 : 0);

    private double Mean(Func<LamaFactResult, double> f) => Facts.Count == 0 ? double.NaN : Facts.Sum(f) / Facts.Count;
}

/// <summary>A subset's relations, with LAMA's macro mean (mean over relations, scripts/run_experiments.py) and the fact-weighted micro mean.</summary>
public sealed record LamaSubsetResult(string Name, IReadOnlyList<LamaRelationResult> Relations)
{
    /// <summary>Facts scored over all relations.</summary>
    public int NFacts => Relations.Sum(r => r.NFacts);

    /// <summary>Mean over relations (with at least one fact) of P@1.</summary>
    public double MacroPAt1 => Macro(r => r.PAt1);

    /// <summary>Mean over relations of P@k.</summary>
    public double MacroPAtK => Macro(r => r.PAtK);

    /// <summary>Mean over relations of MRR.</summary>
    public double MacroMrr => Macro(r => r.Mrr);

    /// <summary>Fact-weighted P@1.</summary>
    public double MicroPAt1 => Micro(r => r.PAt1);

    /// <summary>Fact-weighted P@k.</summary>
    public double MicroPAtK => Micro(r => r.PAtK);

    /// <summary>Namburi et al. 2023 micro Top-1 / Top-5.</summary>
    public double MicroNamburiTop1 => Micro(r => r.NamburiTop1);

    /// <inheritdoc cref="MicroNamburiTop1"/>
    public double MicroNamburiTop5 => Micro(r => r.NamburiTop5);

    private double Macro(Func<LamaRelationResult, double> f)
    {
        var scored = Relations.Where(r => r.NFacts > 0).ToArray();
        return scored.Length == 0 ? double.NaN : scored.Average(f);
    }

    private double Micro(Func<LamaRelationResult, double> f)
        => NFacts == 0 ? double.NaN : Relations.Where(r => r.NFacts > 0).Sum(r => f(r) * r.NFacts) / NFacts;
}
