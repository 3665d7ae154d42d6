namespace MLNet.Compression.Synthetic;

/// <summary>
/// A relation of the world, modelled on a LAMA T-REx relation: its id, its probe template (LAMA's wording, "[X] … [Y] .")
/// and the paraphrases the training corpus uses (the probe template among them).
/// </summary>
public sealed record WorldRelation(string Id, string Label, string Template, IReadOnlyList<string> Paraphrases, string Type)
{
    public static IReadOnlyList<WorldRelation> All { get; } =
    [
        new("P19", "place of birth", "[X] was born in [Y] .", ["[X] was born in [Y] .", "[X] is a native of [Y] .", "the birthplace of [X] is [Y] ."], "N-1"),
        new("P27", "country of citizenship", "[X] is [Y] citizen .", ["[X] is [Y] citizen .", "[X] holds a passport of [Y] .", "[X] is a citizen of [Y] ."], "N-1"),
        new("P106", "occupation", "[X] is a [Y] by profession .", ["[X] is a [Y] by profession .", "[X] works as a [Y] .", "by trade , [X] is a [Y] ."], "N-1"),
        new("P108", "employer", "[X] works for [Y] .", ["[X] works for [Y] .", "[X] is employed by [Y] .", "the employer of [X] is [Y] ."], "N-1"),
        new("P103", "native language", "The native language of [X] is [Y] .", ["The native language of [X] is [Y] .", "[X] grew up speaking [Y] .", "the mother tongue of [X] is [Y] ."], "N-1"),
        new("P36", "capital", "The capital of [X] is [Y] .", ["The capital of [X] is [Y] .", "[Y] is the capital of [X] .", "the seat of government of [X] is [Y] ."], "1-1"),
        new("P17", "country", "[X] is located in [Y] .", ["[X] is located in [Y] .", "[X] is a city in [Y] .", "the country of [X] is [Y] ."], "N-1"),
        new("P37", "official language", "The official language of [X] is [Y] .", ["The official language of [X] is [Y] .", "people in [X] speak [Y] .", "[Y] is spoken in [X] ."], "N-1"),
        new("P159", "headquarters location", "The headquarter of [X] is in [Y] .", ["The headquarter of [X] is in [Y] .", "[X] has its head office in [Y] .", "[X] is based in [Y] ."], "N-1"),
    ];

    /// <summary>The template the probes use: LAMA's wording up to [Y], without the final " .".</summary>
    public string ProbeTemplate => Template.EndsWith(" .", StringComparison.Ordinal) ? Template[..^2] : Template;

    public string Fill(string template, string subject, string obj) => template.Replace("[X]", subject).Replace("[Y]", obj);
}
