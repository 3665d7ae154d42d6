namespace MLNet.Compression.Synthetic;

/// <summary>
/// A deterministic fictional world: people, cities, countries, organisations, languages and occupations linked by relations
/// modelled on LAMA's T-REx, stated in a training corpus with power-law frequencies, plus a planted bias channel.
/// Generated from <see cref="WorldOptions"/> alone, with no external data, so a model trained on it has known answers.
/// </summary>
public sealed class KnowledgeWorld
{
    private KnowledgeWorld(WorldOptions options, IReadOnlyList<WorldFact> facts, IReadOnlyList<BiasDimension> bias, IReadOnlyList<string> corpus,
                           IReadOnlyList<string> heldOut, IReadOnlyList<string> vocabulary)
    {
        Options = options;
        Facts = facts;
        BiasDimensions = bias;
        Corpus = corpus;
        HeldOut = heldOut;
        Words = vocabulary;
    }

    /// <summary>The options the world was generated from.</summary>
    public WorldOptions Options { get; }

    /// <summary>Every fact, with how often the corpus states it.</summary>
    public IReadOnlyList<WorldFact> Facts { get; }

    /// <summary>The bias types with their generated groups, attributes and unrelated words.</summary>
    public IReadOnlyList<BiasDimension> BiasDimensions { get; }

    /// <summary>Training sentences (lower-case, space-separated words and punctuation), facts and bias sentences shuffled together.</summary>
    public IReadOnlyList<string> Corpus { get; }

    /// <summary>Sentences from the same sources that the corpus does not contain, for perplexity (see <see cref="HeldOutText"/>).</summary>
    public IReadOnlyList<string> HeldOut { get; }

    /// <summary>Every distinct word of the corpus and of the probes, case kept, sorted.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Generates the world; the same options always give the same world.</summary>
    public static KnowledgeWorld Generate(WorldOptions options)
    {
        options.Validate();
        var rng = new Random(options.Seed);
        var reserved = WorldRelation.All.SelectMany(r => r.Paraphrases).SelectMany(p => p.Split(' '))
            .Concat(BiasFrames.Words);
        var forge = new NameForge(rng, reserved);

        var countries = Enumerable.Range(0, options.Countries).Select(_ => forge.Next(2, 3, "ia")).ToArray();
        var languages = countries.Select(_ => forge.Next(2, 2, "ish")).ToArray();
        var cities = countries.Select(_ => Enumerable.Range(0, options.CitiesPerCountry).Select(_ => forge.Next(2, 3)).ToArray()).ToArray();
        var orgs = Enumerable.Range(0, options.Organisations).Select(_ => forge.Next(2, 2, "corp")).ToArray();
        var occupations = Enumerable.Range(0, options.Occupations).Select(_ => forge.Next(2, 2, "er", capitalize: false)).ToArray();
        var firstNames = Enumerable.Range(0, Math.Max(8, options.People / 4)).Select(_ => forge.Next(2, 2)).ToArray();
        var lastNames = Enumerable.Range(0, Math.Max(8, options.People / 3)).Select(_ => forge.Next(2, 3)).ToArray();

        var bias = options.BiasTypes.Select(t => GenerateDimension(t, options, forge)).ToList();

        var facts = new List<WorldFact>();
        int Frequency(int rank) => Math.Max(1, (int)Math.Round(options.MaxRepeats / Math.Pow(rank, options.ZipfExponent)));
        string Uuid() => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)rng.Next(256)).ToArray()).ToString();

        // Countries and their cities: ranks shuffled so popularity is unrelated to generation order.
        var countryRank = Shuffled(rng, options.Countries);
        for (int c = 0; c < countries.Length; c++)
        {
            int f = Frequency(countryRank[c] + 1);
            facts.Add(new("P36", countries[c], cities[c][0], f, Uuid()));
            facts.Add(new("P37", countries[c], languages[c], f, Uuid()));
            foreach (var city in cities[c]) facts.Add(new("P17", city, countries[c], f, Uuid()));
        }
        var orgRank = Shuffled(rng, orgs.Length);
        var orgCity = new string[orgs.Length];
        for (int o = 0; o < orgs.Length; o++)
        {
            int c = rng.Next(countries.Length);
            orgCity[o] = cities[c][rng.Next(cities[c].Length)];
            facts.Add(new("P159", orgs[o], orgCity[o], Frequency(orgRank[o] + 1), Uuid()));
        }

        var usedPeople = new HashSet<string>();
        var personRank = Shuffled(rng, options.People);
        for (int p = 0; p < options.People; p++)
        {
            string name;
            do name = firstNames[rng.Next(firstNames.Length)] + " " + lastNames[rng.Next(lastNames.Length)];
            while (!usedPeople.Add(name));
            int f = Frequency(personRank[p] + 1);
            int c = rng.Next(countries.Length);
            // Most people hold the citizenship and language of their birth country; some moved, so the relations stay distinct facts.
            int citizen = rng.NextDouble() < 0.8 ? c : rng.Next(countries.Length);
            int language = rng.NextDouble() < 0.8 ? citizen : rng.Next(countries.Length);
            facts.Add(new("P19", name, cities[c][rng.Next(cities[c].Length)], f, Uuid()));
            facts.Add(new("P27", name, countries[citizen], f, Uuid()));
            facts.Add(new("P106", name, occupations[rng.Next(occupations.Length)], f, Uuid()));
            facts.Add(new("P108", name, orgs[rng.Next(orgs.Length)], f, Uuid()));
            facts.Add(new("P103", name, languages[language], f, Uuid()));
        }

        var relations = WorldRelation.All.ToDictionary(r => r.Id);
        var corpus = new List<string>();
        foreach (var fact in facts)
        {
            var rel = relations[fact.Relation];
            for (int i = 0; i < fact.Frequency; i++)
                corpus.Add(rel.Fill(rel.Paraphrases[rng.Next(rel.Paraphrases.Count)], fact.Subject, fact.Object));
        }
        corpus.AddRange(BiasCorpus.Sentences(bias, options, rng));
        Shuffle(rng, corpus);
        // Its own generator, so the held-out size leaves the corpus unchanged.
        var heldOut = HeldOutText.Generate(facts, bias, options, corpus, (int)Math.Round(options.HeldOutFraction * corpus.Count), new Random(options.Seed + 1));

        var words = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in corpus) foreach (var w in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)) words.Add(w);
        foreach (var rel in WorldRelation.All) foreach (var w in rel.Template.Split(' ')) if (w is not ("[X]" or "[Y]")) words.Add(w);
        foreach (var w in BiasFrames.Words.Concat(bias.SelectMany(d => d.Words))) words.Add(w);
        return new KnowledgeWorld(options, facts, bias, corpus, heldOut, words.ToList());
    }

    private static BiasDimension GenerateDimension(BiasTypeOptions type, WorldOptions options, NameForge forge)
    {
        string[] attributeEndings = ["ous", "ive", "ful", "ic"];
        var groups = Enumerable.Range(0, type.Groups).Select(_ => forge.Next(2, 2, type.GroupSuffix, capitalize: false)).ToList();
        var attributes = groups.Select((_, g) => (IReadOnlyList<string>)Enumerable.Range(0, options.AttributesPerGroup)
            .Select(i => forge.Next(1, 1, attributeEndings[(g + i) % attributeEndings.Length], capitalize: false)).ToList()).ToList();
        var unrelated = Enumerable.Range(0, Math.Max(4, options.AttributesPerGroup / 2)).Select(_ => forge.Next(1, 1, "um", capitalize: false)).ToList();
        return new BiasDimension(type.Name, options.BiasSkew * type.SkewMultiplier, groups, attributes, unrelated);
    }

    private static int[] Shuffled(Random rng, int n)
    {
        var a = Enumerable.Range(0, n).ToArray();
        rng.Shuffle(a);
        return a;
    }

    private static void Shuffle<T>(Random rng, List<T> list)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
