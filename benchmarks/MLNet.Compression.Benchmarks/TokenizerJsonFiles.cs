using System.Text.Json.Nodes;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// Writes the tokenizer.json that Hugging Face's fast tokenizers would build from a vocabulary's slow-tokenizer files
/// (transformers 4.36 convert_slow_tokenizer.py: BertConverter, GPT2Converter, RobertaConverter, T5Converter), for the
/// Rust tokenizers and Microsoft.ML.Tokenizers' tokenizer.json loader. ../shared ships no tokenizer.json.
/// </summary>
internal static class TokenizerJsonFiles
{
    /// <summary>BertConverter: BertNormalizer, BertPreTokenizer, WordPiece, <c>[CLS] $A [SEP]</c>.</summary>
    public static string Bert(string vocabTxt, bool lowerCase, string outPath)
    {
        var vocab = VocabularyFile.ReadWordPieceVocab(vocabTxt);
        var vocabNode = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) vocabNode[token] = id;
        int cls = vocab["[CLS]"], sep = vocab["[SEP]"];
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Select(t => (JsonNode)Added(vocab[t], t)).ToArray()),
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = lowerCase },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = Template([Special("[CLS]"), Sequence("A", 0), Special("[SEP]")],
                [Special("[CLS]"), Sequence("A", 0), Special("[SEP]"), Sequence("B", 1), Special("[SEP]", 1)], ("[CLS]", cls), ("[SEP]", sep)),
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject { ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = vocabNode },
        };
        return Write(json, outPath);
    }

    /// <summary>GPT2Converter (or RobertaConverter with <paramref name="roberta"/>): ByteLevel pre-tokenizer and decoder, BPE.</summary>
    public static string ByteLevelBpe(string vocabJson, string mergesTxt, bool roberta, string outPath)
    {
        var vocab = VocabularyFile.ReadJsonVocab(vocabJson);
        var vocabNode = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(kv => kv.Value)) vocabNode[token] = id;
        var merges = new JsonArray(VocabularyFile.ReadMerges(mergesTxt).Select(m => (JsonNode)JsonValue.Create($"{m.Item1} {m.Item2}")).ToArray());
        var added = roberta
            ? new JsonArray(new[] { "<s>", "<pad>", "</s>", "<unk>", "<mask>" }.Select(t => (JsonNode)Added(vocab[t], t, lstrip: t == "<mask>")).ToArray())
            : new JsonArray(Added(vocab["<|endoftext|>"], "<|endoftext|>", normalized: true));
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["post_processor"] = roberta
                ? new JsonObject { ["type"] = "RobertaProcessing", ["sep"] = new JsonArray("</s>", vocab["</s>"]), ["cls"] = new JsonArray("<s>", vocab["<s>"]), ["trim_offsets"] = true, ["add_prefix_space"] = false }
                : new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocabNode, ["merges"] = merges,
            },
        };
        return Write(json, outPath);
    }

    /// <summary>
    /// T5Converter: the precompiled character map, trailing spaces stripped and runs of spaces made one, Metaspace,
    /// Unigram with the sentinels <c>&lt;extra_id_i&gt;</c> appended in descending order, <c>$A &lt;/s&gt;</c>.
    /// </summary>
    public static string T5(string spieceModel, int extraIds, string outPath)
    {
        var model = SentencePieceModel.Load(spieceModel);
        var vocab = new JsonArray(model.Pieces.Select(p => (JsonNode)new JsonArray(p.Text, p.Score)).ToArray());
        for (int i = extraIds - 1; i >= 0; i--) vocab.Add(new JsonArray($"<extra_id_{i}>", 0.0));
        int n = model.Pieces.Count;
        var added = new JsonArray(Added(0, "<pad>"), Added(1, "</s>"), Added(2, "<unk>"));
        for (int i = 0; i < extraIds; i++) added.Add(Added(n + extraIds - 1 - i, $"<extra_id_{i}>", lstrip: true, rstrip: true));
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Precompiled", ["precompiled_charsmap"] = Convert.ToBase64String(model.PrecompiledCharsMap) },
                    new JsonObject { ["type"] = "Strip", ["strip_left"] = false, ["strip_right"] = true },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = " {2,}" }, ["content"] = " " }),
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["add_prefix_space"] = true, ["prepend_scheme"] = "always" },
            ["post_processor"] = Template([Sequence("A", 0), Special("</s>")], [Sequence("A", 0), Special("</s>"), Sequence("B", 0), Special("</s>")], ("</s>", 1)),
            ["decoder"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["add_prefix_space"] = true, ["prepend_scheme"] = "always" },
            ["model"] = new JsonObject { ["type"] = "Unigram", ["unk_id"] = model.UnkId, ["vocab"] = vocab, ["byte_fallback"] = false },
        };
        return Write(json, outPath);
    }

    private static string Write(JsonObject json, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private static JsonObject Added(int id, string content, bool lstrip = false, bool rstrip = false, bool normalized = false) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = lstrip, ["rstrip"] = rstrip, ["normalized"] = normalized, ["special"] = true,
    };

    private static JsonObject Special(string id, int typeId = 0) => new() { ["SpecialToken"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };

    private static JsonObject Sequence(string id, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = typeId } };

    private static JsonObject Template(JsonObject[] single, JsonObject[] pair, params (string Token, int Id)[] specials)
    {
        var map = new JsonObject();
        foreach (var (token, id) in specials)
            map[token] = new JsonObject { ["id"] = token, ["ids"] = new JsonArray(id), ["tokens"] = new JsonArray(token) };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(single.Select(x => (JsonNode)x).ToArray()),
            ["pair"] = new JsonArray(pair.Select(x => (JsonNode)x).ToArray()),
            ["special_tokens"] = map,
        };
    }
}
