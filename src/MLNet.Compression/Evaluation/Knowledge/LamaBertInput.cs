using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>
/// The input LAMA's Bert connector builds (facebookresearch/LAMA lama/modules/bert_connector.py, CustomBaseTokenizer):
/// the sentence is split on whitespace; a whitespace token holding [MASK] becomes [MASK] followed by the rest of that token
/// (the mask removed) as one word for WordPiece, without punctuation splitting, so "[MASK])." gives [MASK] ")" "##." where
/// the ordinary BERT tokenizer gives [MASK] ")" ".". Every other token is tokenized as BERT does. Reproducing this is what
/// makes ranks match LAMA's on templates such as Google-RE's "[X] (born [Y])."; a second sentence follows after [SEP].
/// </summary>
public static class LamaBertInput
{
    /// <summary>[CLS] sentence [SEP] (sentence2 [SEP]) ids, the mask given as "[MASK]".</summary>
    public static int[] Encode(BertTokenizer tokenizer, string sentence, string? second = null)
    {
        int cls = tokenizer.ClsTokenId ?? throw new ArgumentException("The tokenizer has no [CLS] token.");
        int sep = tokenizer.SepTokenId ?? throw new ArgumentException("The tokenizer has no [SEP] token.");
        var ids = new List<int> { cls };
        Append(tokenizer, sentence, ids);
        ids.Add(sep);
        if (second is not null)
        {
            Append(tokenizer, second, ids);
            ids.Add(sep);
        }
        return [.. ids];
    }

    private static void Append(BertTokenizer tokenizer, string sentence, List<int> ids)
    {
        const string Mask = "[MASK]";
        int maskId = tokenizer.MaskTokenId ?? throw new ArgumentException("The tokenizer has no mask token.");
        foreach (string token in sentence.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!token.Contains(Mask, StringComparison.Ordinal))
            {
                ids.AddRange(tokenizer.EncodeToIds(token, addSpecialTokens: false));
                continue;
            }
            ids.Add(maskId);
            string rest = token.Replace(Mask, "", StringComparison.Ordinal).Trim();
            if (rest.Length > 0) WordPiece(tokenizer.WordPiece, rest, ids);
        }
    }

    /// <summary>Greedy longest-match-first WordPiece of one word (BERT's WordpieceTokenizer).</summary>
    private static void WordPiece(WordPieceModel wp, string word, List<int> ids)
    {
        if (word.Length > wp.MaxInputCharsPerWord) { ids.Add(wp.UnkId); return; }
        var pieces = new List<int>();
        int start = 0;
        while (start < word.Length)
        {
            int end = word.Length, found = -1;
            while (start < end)
            {
                string sub = (start > 0 ? wp.ContinuingSubwordPrefix : "") + word[start..end];
                if (wp.TokenToId(sub) is { } id) { found = id; break; }
                end--;
            }
            if (found < 0) { ids.Add(wp.UnkId); return; }
            pieces.Add(found);
            start = end;
        }
        ids.AddRange(pieces);
    }
}
