using System.Globalization;
using System.Text;

namespace MLNet.Compression.Tokenization;

/// <summary>
/// ALBERT's tokenizer (transformers' slow <c>AlbertTokenizer</c>): spaces collapsed, accents kept, lower-cased when
/// configured, then SentencePiece unigram, with <c>[CLS] A [SEP] B [SEP]</c> and token type ids 0/1.
/// </summary>
public sealed class AlbertTokenizer : SentencePieceTokenizer
{
    /// <summary>Creates the tokenizer.</summary>
    public AlbertTokenizer(SentencePieceProcessor processor, SpecialTokens specials, bool doLowerCase = true)
        : base(processor, specials)
    {
        DoLowerCase = doLowerCase;
        string clsT = SpecialTokens.Cls ?? "[CLS]", sepT = SpecialTokens.Sep ?? "[SEP]";
        int cls = TokenToId(clsT) ?? 2, sep = TokenToId(sepT) ?? 3;
        PostProcessor = new TemplatePostProcessor(
            [TemplatePostProcessor.Piece.Special(clsT, cls), TemplatePostProcessor.Piece.Seq('A'), TemplatePostProcessor.Piece.Special(sepT, sep)],
            [TemplatePostProcessor.Piece.Special(clsT, cls), TemplatePostProcessor.Piece.Seq('A'), TemplatePostProcessor.Piece.Special(sepT, sep),
             TemplatePostProcessor.Piece.Seq('B', 1), TemplatePostProcessor.Piece.Special(sepT, sep, 1)]);
    }

    /// <summary>Whether text is lower-cased first.</summary>
    public bool DoLowerCase { get; }

    /// <inheritdoc />
    protected override void TokenizeSegment(string text, int start, int end, TokenBuffer output)
    {
        // transformers AlbertTokenizer.preprocess_text: collapse whitespace, `` and '' to ", NFKD minus combining marks
        // only when keep_accents is False (the default), lower-case when do_lower_case. Text that is normalized already
        // only has its whitespace collapsed.
        var sb = new StringBuilder();
        var map = new List<int>();
        for (int i = start; i < end; i++)
        {
            char c = text[i];
            if (!output.Normalize)
            {
                sb.Append(c);
                map.Add(i);
                continue;
            }
            if (c == '`' && i + 1 < end && text[i + 1] == '`') { sb.Append('"'); map.Add(i); i++; continue; }
            if (c == '\'' && i + 1 < end && text[i + 1] == '\'') { sb.Append('"'); map.Add(i); i++; continue; }
            if (char.IsSurrogate(c))
            {
                sb.Append(c);
                map.Add(i);
                continue;
            }
            string d = c.ToString().Normalize(NormalizationForm.FormKD);
            foreach (char x in d)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(x) == UnicodeCategory.NonSpacingMark) continue;
                sb.Append(DoLowerCase ? char.ToLowerInvariant(x) : x);
                map.Add(i);
            }
        }
        map.Add(end);
        string pre = string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var local = new TokenBuffer(output.Normalize, output.PreTokenize, output.TracksWords);
        Processor.Encode(pre, 0, pre.Length, local);
        int first = output.Count;
        foreach (int w in local.WordStarts) output.StartWordAt(first + w);
        // Pieces of the preprocessed text map back only to the whole segment.
        foreach (var t in local.Tokens) output.Add(t.Id, t.Value, start, end);
    }
}
