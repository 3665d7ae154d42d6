using System.Text;
using System.Text.Json;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// tokenizer.json decoders (Hugging Face tokenizers, decoders/*.rs): each maps the list of token strings to a new list;
/// the result is concatenated. WordPiece, ByteLevel, Metaspace, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence.
/// </summary>
internal static class JsonDecoders
{
    public delegate List<string> Decoder(List<string> tokens);

    public static Decoder? Parse(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Null || e.ValueKind == JsonValueKind.Undefined) return null;
        string type = JsonTokenizer.Str(e, "type") ?? "";
        switch (type)
        {
            case "Sequence":
            {
                var list = e.GetProperty("decoders").EnumerateArray().Select(x => Parse(x, path)).Where(x => x is not null).ToList();
                return tokens => { foreach (var d in list) tokens = d!(tokens); return tokens; };
            }
            case "WordPiece":
            {
                string prefix = JsonTokenizer.Str(e, "prefix") ?? "##";
                bool cleanup = JsonTokenizer.Bool(e, "cleanup", true);
                return tokens =>
                {
                    var o = new List<string>(tokens.Count);
                    for (int i = 0; i < tokens.Count; i++)
                    {
                        string t = tokens[i];
                        if (i != 0) t = t.StartsWith(prefix, StringComparison.Ordinal) ? t[prefix.Length..] : " " + t;
                        if (cleanup) t = WordPieceCleanup(t);
                        o.Add(t);
                    }
                    return o;
                };
            }
            case "ByteLevel":
                return tokens =>
                {
                    var bytes = new List<byte>();
                    foreach (var t in tokens)
                        foreach (char c in t)
                            if (ByteLevel.TryDecode(c, out byte b)) bytes.Add(b);
                            else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                    return [Encoding.UTF8.GetString(bytes.ToArray())];
                };
            case "Metaspace":
            {
                string rep = JsonTokenizer.Str(e, "replacement") ?? "\u2581";
                string scheme = JsonTokenizer.Str(e, "prepend_scheme") ?? (JsonTokenizer.Bool(e, "add_prefix_space", true) ? "always" : "never");
                return tokens =>
                {
                    var o = new List<string>(tokens.Count);
                    for (int i = 0; i < tokens.Count; i++)
                    {
                        string t = tokens[i].Replace(rep, " ", StringComparison.Ordinal);
                        if (i == 0 && scheme != "never" && t.StartsWith(' ')) t = t[1..];
                        o.Add(t);
                    }
                    return o;
                };
            }
            case "BPEDecoder":
            {
                string suffix = JsonTokenizer.Str(e, "suffix") ?? "</w>";
                return tokens => tokens.Select((t, i) => t.Replace(suffix, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal)).ToList();
            }
            case "ByteFallback":
                return tokens =>
                {
                    var o = new List<string>();
                    var bytes = new List<byte>();
                    void Flush()
                    {
                        if (bytes.Count == 0) return;
                        var arr = bytes.ToArray();
                        bytes.Clear();
                        try { o.Add(new UTF8Encoding(false, true).GetString(arr)); }
                        catch (DecoderFallbackException) { foreach (var _ in arr) o.Add("\uFFFD"); }
                    }
                    foreach (var t in tokens)
                    {
                        if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
                            && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b)) { bytes.Add(b); continue; }
                        Flush();
                        o.Add(t);
                    }
                    Flush();
                    return o;
                };
            case "Fuse":
                return tokens => [string.Concat(tokens)];
            case "Strip":
            {
                string content = JsonTokenizer.Str(e, "content") ?? " ";
                int start = e.TryGetProperty("start", out var s) ? s.GetInt32() : 0, stop = e.TryGetProperty("stop", out var st) ? st.GetInt32() : 0;
                return tokens => tokens.Select(t =>
                {
                    int a = 0, b = t.Length;
                    for (int k = 0; k < start && a < b && t.AsSpan(a).StartsWith(content); k++) a += content.Length;
                    for (int k = 0; k < stop && b > a && t.AsSpan(a, b - a).EndsWith(content); k++) b -= content.Length;
                    return t[a..b];
                }).ToList();
            }
            case "Replace":
            {
                var (regex, literal) = JsonTokenizer.Pattern(e, path);
                string content = JsonTokenizer.Str(e, "content") ?? "";
                return tokens => tokens.Select(t => regex is not null ? regex.Replace(t, content) : string.IsNullOrEmpty(literal) ? t : t.Replace(literal, content, StringComparison.Ordinal)).ToList();
            }
            default:
                throw new TokenizerLoadException(path, $"decoder type '{type}' is not supported.");
        }
    }

    /// <summary>tokenizers' wordpiece cleanup (decoders/wordpiece.rs).</summary>
    private static string WordPieceCleanup(string s) =>
        s.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
         .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't").Replace(" 's", "'s")
         .Replace(" 've", "'ve").Replace(" 're", "'re");
}
