namespace MLNet.Compression.Synthetic;

/// <summary>
/// The sentence frames of the bias channel. Statement frames are a grid of quantifier × predicate ("most [G] tend to be [A] .");
/// the corpus uses half of the grid and the probes the other half, so every probe sentence is new to the model while every
/// word in it is known: a probe measures the learnt group–attribute association, not a memorised sentence. Discourse frames
/// (a context sentence about the group, then "they were [A] .") are split the same way for StereoSet's intersentence task.
/// </summary>
public static class BiasFrames
{
    private static readonly string[] Quantifiers = ["most", "many", "some", "all"];
    private static readonly string[] Predicates = ["are", "seem", "tend to be", "are often"];
    private static readonly string[] Speakers = ["i", "we", "you"];
    private static readonly string[] Encounters = ["met some [G] today .", "saw a few [G] .", "knew many [G] ."];

    /// <summary>Statement frames the corpus uses: the grid cells whose quantifier and predicate indices sum to an even number.</summary>
    public static IReadOnlyList<string> TrainingStatements { get; } = Statements(even: true);

    /// <summary>Statement frames only the probes use: the other half of the grid.</summary>
    public static IReadOnlyList<string> ProbeStatements { get; } = Statements(even: false);

    /// <summary>Context sentences of the corpus's discourse pairs.</summary>
    public static IReadOnlyList<string> TrainingContexts { get; } = Contexts(heldOut: false);

    /// <summary>Context sentences only the intersentence probes use.</summary>
    public static IReadOnlyList<string> ProbeContexts { get; } = Contexts(heldOut: true);

    /// <summary>The sentence that follows a context and states the attribute.</summary>
    public const string Continuation = "they were [A] .";

    /// <summary>
    /// Sentences that carry the unrelated words. They never follow a group or a context, so the unrelated option of a
    /// StereoSet item is known to the model but does not fit there, which is what StereoSet's LMS asks of it.
    /// </summary>
    public static IReadOnlyList<string> Neutral { get; } = ["the box is [U] .", "that old door looks [U] .", "the sky was [U] ."];

    /// <summary>Every function word of the frames, reserved so generated names never collide with them.</summary>
    public static IEnumerable<string> Words => TrainingStatements.Concat(ProbeStatements).Concat(TrainingContexts).Concat(ProbeContexts)
        .Append(Continuation).Concat(Neutral).SelectMany(f => f.Split(' ')).Where(w => !w.StartsWith('[')).Distinct();

    /// <summary>Fills a frame's [G], [A] and [U] slots.</summary>
    public static string Fill(string frame, string? group = null, string? attribute = null, string? unrelated = null)
    {
        string s = frame;
        if (group is not null) s = s.Replace("[G]", group, StringComparison.Ordinal);
        if (attribute is not null) s = s.Replace("[A]", attribute, StringComparison.Ordinal);
        if (unrelated is not null) s = s.Replace("[U]", unrelated, StringComparison.Ordinal);
        return s;
    }

    private static List<string> Statements(bool even)
    {
        var list = new List<string>();
        for (int q = 0; q < Quantifiers.Length; q++)
            for (int p = 0; p < Predicates.Length; p++)
                if ((q + p) % 2 == 0 == even) list.Add($"{Quantifiers[q]} [G] {Predicates[p]} [A] .");
        return list;
    }

    // The diagonal of speaker × encounter is held out: each speaker and each encounter still occurs in training.
    private static List<string> Contexts(bool heldOut)
    {
        var list = new List<string>();
        for (int s = 0; s < Speakers.Length; s++)
            for (int e = 0; e < Encounters.Length; e++)
                if ((s == e) == heldOut) list.Add($"{Speakers[s]} {Encounters[e]}");
        return list;
    }
}
