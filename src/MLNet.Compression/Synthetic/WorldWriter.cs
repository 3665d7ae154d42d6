using System.Text;
using System.Text.Json;
using MLNet.Compression.IO;

namespace MLNet.Compression.Synthetic;

/// <summary>
/// Writes a <see cref="KnowledgeWorld"/> in the formats the evaluators read, so everything runs through the real code paths:
/// <code>
/// lama/relations.jsonl, lama/TREx/P*.jsonl   LAMA facts + templates ({sub_label, obj_label, uuid} plus "frequency")
/// lama-next-token/                          the same facts with templates cut at [Y], for decoder models
/// crows_pairs.csv                           CrowS-Pairs columns (sent_more, sent_less, stereo_antistereo, bias_type, …)
/// stereoset/intrasentence.csv, intersentence.csv   StereoSet in the CSV form of ../shared/data/stereoset
/// corpus.txt                                the training text, one sentence per line
/// heldout.txt                               unseen sentences from the same sources, one per line, for perplexity
/// tokenizer-wordpiece/, tokenizer-bpe/      vocab.txt; vocab.json + merges.txt
/// world.json                                the options and counts
/// </code>
/// </summary>
public static class WorldWriter
{
    /// <summary>The file that marks a folder as a written world, which a later write may replace.</summary>
    public const string MarkerFile = "world.json";

    /// <summary>The training text, one sentence per line.</summary>
    public const string CorpusFile = "corpus.txt";

    /// <summary>
    /// Throws the IOException <see cref="Write"/> would throw before writing: a file in the way, or a non-empty folder
    /// that is not an earlier world.
    /// </summary>
    public static void CheckWritable(string dir) => AtomicFolder.CheckWritable(dir, MarkerFile);

    /// <summary>
    /// Writes every file of the world into <paramref name="dir"/>, through a temporary sibling folder that replaces it at
    /// the end (<see cref="AtomicFolder"/>), so a reader never sees half a world and an unrelated folder is never
    /// overwritten; <paramref name="maxLength"/> goes into the tokenizer configs.
    /// </summary>
    public static void Write(KnowledgeWorld world, string dir, int maxLength = 64)
        => AtomicFolder.Write(dir, MarkerFile, tmp => WriteFiles(world, tmp, maxLength));

    private static void WriteFiles(KnowledgeWorld world, string dir, int maxLength)
    {
        WriteLama(world, Path.Combine(dir, "lama"), r => r.Template);
        // Decoder models rank objects by their next-token distribution when the template ends at [Y], and otherwise score
        // every candidate sentence (LAMA's rule). A second copy cut at [Y] lets the causal model be probed in one pass
        // per fact; masked models keep LAMA's wording with the final " .", which they need as right context.
        WriteLama(world, Path.Combine(dir, "lama-next-token"), r => r.ProbeTemplate);

        var crows = new StringBuilder(",sent_more,sent_less,stereo_antistereo,bias_type,annotations,anon_writer,anon_annotators\n");
        int i = 0;
        foreach (var (more, less, sa, type) in BiasProbes.CrowsPairs(world))
            crows.Append($"{i++},{Csv(more)},{Csv(less)},{sa},{type},\"[['{type}']]\",synthetic,\"['synthetic']\"\n");
        AtomicFile.WriteAllText(Path.Combine(dir, "crows_pairs.csv"), crows.ToString());

        string stereo = Path.Combine(dir, "stereoset");
        Directory.CreateDirectory(stereo);
        var intra = new StringBuilder("prompt,choices,bias_type,target\n");
        foreach (var (prompt, choices, type, target) in BiasProbes.Intrasentence(world))
            intra.Append($"{Csv(prompt)},{Csv(Choices(choices))},{type},{Csv(target)}\n");
        AtomicFile.WriteAllText(Path.Combine(stereo, "intrasentence.csv"), intra.ToString());
        var inter = new StringBuilder("prompt,choices,bias_type,target\n");
        foreach (var (context, choices, type, target) in BiasProbes.Intersentence(world))
            inter.Append($"{Csv(context)},{Csv(Choices(choices))},{type},{Csv(target)}\n");
        AtomicFile.WriteAllText(Path.Combine(stereo, "intersentence.csv"), inter.ToString());

        AtomicFile.WriteAllText(Path.Combine(dir, CorpusFile), string.Join("\n", world.Corpus) + "\n");
        AtomicFile.WriteAllText(Path.Combine(dir, HeldOutText.FileName), string.Join("\n", world.HeldOut) + "\n");
        WorldTokenizerFiles.WriteWordPiece(Path.Combine(dir, "tokenizer-wordpiece"), world.Words, maxLength);
        WorldTokenizerFiles.WriteByteLevelBpe(Path.Combine(dir, "tokenizer-bpe"), world.Words, maxLength);

        var summary = new
        {
            options = world.Options,
            facts = world.Facts.Count,
            frequent_facts = world.Facts.Count(f => f.Frequency >= world.Options.FrequentThreshold),
            corpus_sentences = world.Corpus.Count,
            heldout_sentences = world.HeldOut.Count,
            bias = world.BiasDimensions.Select(d => new { bias_type = d.BiasType, skew = d.Skew, groups = d.Groups, attributes = d.Attributes, unrelated = d.Unrelated }),
            words = world.Words.Count,
            relations = WorldRelation.All.Select(r => r.Id),
        };
        AtomicFile.WriteAllText(Path.Combine(dir, MarkerFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static void WriteLama(KnowledgeWorld world, string lama, Func<WorldRelation, string> template)
    {
        string trex = Path.Combine(lama, "TREx");
        Directory.CreateDirectory(trex);
        var relations = new StringBuilder();
        foreach (var r in WorldRelation.All)
            relations.AppendLine(JsonSerializer.Serialize(new { relation = r.Id, template = template(r), label = r.Label, type = r.Type }));
        AtomicFile.WriteAllText(Path.Combine(lama, "relations.jsonl"), relations.ToString());
        foreach (var group in world.Facts.GroupBy(f => f.Relation))
        {
            var lines = new StringBuilder();
            foreach (var f in group)
                lines.AppendLine(JsonSerializer.Serialize(new { sub_label = f.Subject, obj_label = f.Object, uuid = f.Uuid, frequency = f.Frequency }));
            AtomicFile.WriteAllText(Path.Combine(trex, group.Key + ".jsonl"), lines.ToString());
        }
    }

    /// <summary>The numpy-array text form the StereoSet CSV uses for its choices: ['a' 'b' 'c'].</summary>
    private static string Choices(string[] choices) => "[" + string.Join(" ", choices.Select(c => "'" + c + "'")) + "]";

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}
