using System.Text.Json;
using MLNet.Compression.IO;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Synthetic;

/// <summary>
/// Tokenizer files for the world, in the formats real models ship, so training and evaluation go through the real tokenizers:
/// a BERT WordPiece vocab.txt (every world word whole) and a GPT-2 byte-level BPE vocab.json + merges.txt whose merges build
/// every world word, with and without its leading space, into one token. Single-token objects keep LAMA probes exact.
/// </summary>
public static class WorldTokenizerFiles
{
    public static readonly string[] BertSpecials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static void WriteWordPiece(string dir, IReadOnlyList<string> words, int maxLength)
    {
        Directory.CreateDirectory(dir);
        var vocab = new List<string>(BertSpecials);
        var seen = new HashSet<string>(vocab, StringComparer.Ordinal);
        void Add(string t) { if (seen.Add(t)) vocab.Add(t); }
        foreach (var w in words) Add(w.ToLowerInvariant());
        // Characters and continuation pieces let any unseen word split instead of becoming [UNK].
        foreach (char c in "abcdefghijklmnopqrstuvwxyz0123456789.,'-!?") { Add(c.ToString()); Add("##" + c); }
        AtomicFile.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", vocab) + "\n");
        AtomicFile.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tokenizer_class"] = "BertTokenizer", ["do_lower_case"] = true, ["model_max_length"] = maxLength,
            ["unk_token"] = "[UNK]", ["sep_token"] = "[SEP]", ["pad_token"] = "[PAD]", ["cls_token"] = "[CLS]", ["mask_token"] = "[MASK]",
        }));
    }

    public static void WriteByteLevelBpe(string dir, IReadOnlyList<string> words, int maxLength)
    {
        Directory.CreateDirectory(dir);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string t) { if (!vocab.ContainsKey(t)) vocab[t] = vocab.Count; }
        for (int b = 0; b < 256; b++) Add(ByteLevel.Encode((byte)b).ToString());
        var merges = new List<(string, string)>();
        var mergeSet = new HashSet<(string, string)>();
        void Chain(IReadOnlyList<string> pieces)
        {
            string acc = pieces[0];
            for (int i = 1; i < pieces.Count; i++)
            {
                if (mergeSet.Add((acc, pieces[i]))) merges.Add((acc, pieces[i]));
                acc += pieces[i];
                Add(acc);
            }
        }
        // Byte-level spelling: our words are ASCII, where a byte's character is itself, and the space before a word is 'Ġ'.
        var targets = words.Distinct().SelectMany(w => new[] { w, ByteLevel.Encode((byte)' ') + w }).ToList();
        foreach (var t in targets) Chain(t.Select(c => c.ToString()).ToList());
        // Earlier words' merges can pre-empt a later word's chain; add merges joining whatever pieces remain until every word is one token.
        for (int round = 0; round < 10; round++)
        {
            var bpe = new BpeModel(vocab, merges);
            var broken = targets.Select(t => bpe.Merge(t)).Where(p => p.Length > 1).ToList();
            if (broken.Count == 0) break;
            foreach (var pieces in broken) Chain(pieces);
        }
        Add("<|endoftext|>");
        AtomicFile.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        AtomicFile.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges.Select(m => m.Item1 + " " + m.Item2)) + "\n");
        AtomicFile.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["tokenizer_class"] = "GPT2Tokenizer", ["model_max_length"] = maxLength, ["add_prefix_space"] = false,
            ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|endoftext|>", ["unk_token"] = "<|endoftext|>",
        }));
    }
}
