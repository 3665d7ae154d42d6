using System.Text;
using System.Text.Json;

namespace MLNet.Compression.Tokenization;

/// <summary>Reads the plain vocabulary files Hugging Face ships (vocab.txt, vocab.json, merges.txt), failing with the file named.</summary>
internal static class VocabularyFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string ReadText(string path)
    {
        if (!File.Exists(path)) throw new TokenizerLoadException(path, "the file does not exist.");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new TokenizerLoadException(path, "the file cannot be read: " + e.Message, e); }
        try
        {
            int skip = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return StrictUtf8.GetString(bytes, skip, bytes.Length - skip);
        }
        catch (DecoderFallbackException e) { throw new TokenizerLoadException(path, "the file is not valid UTF-8 text.", e); }
    }

    /// <summary>Lines as Python's text-mode <c>readlines</c> gives them (universal newlines), without the line ends.</summary>
    public static List<string> ReadLines(string path)
    {
        string text = ReadText(path);
        var lines = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\n' && c != '\r') continue;
            lines.Add(text[start..i]);
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    /// <summary>BERT's vocab.txt: one token per line, the line number is the id (a repeated token keeps its last id).</summary>
    public static Dictionary<string, int> ReadWordPieceVocab(string path)
    {
        var lines = ReadLines(path);
        if (lines.Count == 0) throw new TokenizerLoadException(path, "the vocabulary is empty.");
        var vocab = new Dictionary<string, int>(lines.Count, StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++) vocab[lines[i]] = i;
        return vocab;
    }

    /// <summary>vocab.json: a JSON object from token to id.</summary>
    public static Dictionary<string, int> ReadJsonVocab(string path)
    {
        string text = ReadText(path);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new TokenizerLoadException(path, "expected a JSON object mapping tokens to ids.");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                    throw new TokenizerLoadException(path, $"the id of token '{p.Name}' is not a non-negative integer.");
                vocab[p.Name] = id;
            }
        }
        catch (JsonException e) { throw new TokenizerLoadException(path, "the file is not valid JSON: " + e.Message, e); }
        if (vocab.Count == 0) throw new TokenizerLoadException(path, "the vocabulary is empty.");
        return vocab;
    }

    /// <summary>merges.txt: "a b" per line, rank = line order; a first line starting with "#version" is a header.</summary>
    public static List<(string, string)> ReadMerges(string path)
    {
        var lines = ReadLines(path);
        var merges = new List<(string, string)>(lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            if (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (line.Length == 0) continue;
            int sp = line.IndexOf(' ');
            if (sp <= 0 || sp == line.Length - 1 || line.IndexOf(' ', sp + 1) >= 0)
                throw new TokenizerLoadException(path, $"line {i + 1} is not a merge of two symbols separated by one space: '{Shorten(line)}'.");
            merges.Add((line[..sp], line[(sp + 1)..]));
        }
        return merges;
    }

    private static string Shorten(string s) => s.Length > 60 ? s[..60] + "…" : s;
}
