namespace MLNet.Compression.Tokenization;

/// <summary>
/// Adds a model's special tokens around one text or a pair, as Hugging Face's <c>TemplateProcessing</c> does:
/// BERT <c>[CLS] $A [SEP] $B:1 [SEP]:1</c>, RoBERTa <c>&lt;s&gt; $A &lt;/s&gt; &lt;/s&gt; $B &lt;/s&gt;</c>,
/// T5 <c>$A &lt;/s&gt; $B &lt;/s&gt;</c>, Llama <c>&lt;s&gt; $A</c>, GPT-2 <c>$A</c>.
/// </summary>
public sealed class TemplatePostProcessor
{
    /// <summary>One element of a template: either a sequence (<c>$A</c>/<c>$B</c>) or a special token.</summary>
    /// <param name="Sequence">'A' or 'B' for a sequence, '\0' for a special token.</param>
    /// <param name="Token">The special token's text (null for sequences).</param>
    /// <param name="Id">The special token's id.</param>
    /// <param name="TypeId">The token type id given to this element.</param>
    public readonly record struct Piece(char Sequence, string? Token, int Id, int TypeId)
    {
        /// <summary>A sequence placeholder.</summary>
        public static Piece Seq(char which, int typeId = 0) => new(which, null, 0, typeId);

        /// <summary>A special token.</summary>
        public static Piece Special(string token, int id, int typeId = 0) => new('\0', token, id, typeId);
    }

    /// <summary>Creates a template from its single and pair forms.</summary>
    public TemplatePostProcessor(IReadOnlyList<Piece> single, IReadOnlyList<Piece> pair)
    {
        Single = single;
        Pair = pair;
    }

    /// <summary>The template for one text.</summary>
    public IReadOnlyList<Piece> Single { get; }

    /// <summary>The template for a pair of texts.</summary>
    public IReadOnlyList<Piece> Pair { get; }

    /// <summary>
    /// T5's slow tokenizer does not append <c>&lt;/s&gt;</c> when a sequence already ends with it
    /// (transformers T5Tokenizer._add_eos_if_not_present); set to that id to reproduce it.
    /// </summary>
    public int? SkipTrailingSpecialIfPresent { get; init; }

    /// <summary>A template that adds nothing (GPT-2, GPT-NeoX).</summary>
    public static TemplatePostProcessor None { get; } =
        new([Piece.Seq('A')], [Piece.Seq('A'), Piece.Seq('B', 1)]);

    /// <summary>How many special tokens the template adds.</summary>
    public int CountAdded(bool pair) => (pair ? Pair : Single).Count(p => p.Sequence == '\0');

    /// <summary>How many special tokens the single-text template adds to <paramref name="a"/> (T5 adds no second eos).</summary>
    internal int CountAdded(List<EncodedToken> a)
    {
        int n = 0;
        for (int i = 0; i < Single.Count; i++)
            if (Single[i].Sequence == '\0' && !SkipsAfter(Single, i, a, null)) n++;
        return n;
    }

    /// <summary>The single-text template around <paramref name="a"/>: what <see cref="Apply"/> gives as tokens, without the rest of <see cref="EncodedInput"/>.</summary>
    internal List<EncodedToken> ApplySingle(List<EncodedToken> a)
    {
        if (ReferenceEquals(Single, None.Single)) return a;
        var tokens = new List<EncodedToken>(a.Count + Single.Count);
        for (int i = 0; i < Single.Count; i++)
        {
            var p = Single[i];
            if (p.Sequence != '\0') tokens.AddRange(a);
            else if (!SkipsAfter(Single, i, a, null)) tokens.Add(SpecialAfter(p, tokens));
        }
        return tokens;
    }

    /// <summary>Appends the ids of the single-text template's special tokens that come before the text.</summary>
    internal void AddLeadingIds(List<int> ids)
    {
        foreach (var p in Single)
        {
            if (p.Sequence != '\0') return;
            ids.Add(p.Id);
        }
    }

    /// <summary>
    /// Appends the ids of the single-text template's special tokens that come after the text, whose ids fill
    /// <paramref name="ids"/> from <paramref name="textStart"/> on (T5 adds no second eos).
    /// </summary>
    internal void AddTrailingIds(List<int> ids, int textStart)
    {
        int i = 0;
        while (i < Single.Count && Single[i].Sequence == '\0') i++;
        for (i++; i < Single.Count; i++)
        {
            var p = Single[i];
            bool skip = SkipTrailingSpecialIfPresent == p.Id && Single[i - 1].Sequence != '\0' && ids.Count > textStart && ids[^1] == p.Id;
            if (!skip) ids.Add(p.Id);
        }
    }

    /// <summary>T5: the eos after a sequence is dropped if that sequence already ends with eos.</summary>
    private bool SkipsAfter(IReadOnlyList<Piece> template, int i, List<EncodedToken> a, List<EncodedToken>? b)
    {
        if (SkipTrailingSpecialIfPresent != template[i].Id || i == 0 || template[i - 1].Sequence == '\0') return false;
        var prev = template[i - 1].Sequence == 'A' ? a : b!;
        return prev.Count > 0 && prev[^1].Id == template[i].Id;
    }

    /// <summary>A special token at the empty range where the tokens so far end.</summary>
    private static EncodedToken SpecialAfter(Piece p, List<EncodedToken> tokens)
    {
        int at = tokens.Count > 0 ? tokens[^1].End : 0;
        return new EncodedToken(p.Id, p.Token!, new Range(at, at));
    }

    internal EncodedInput Apply(List<EncodedToken> a, List<EncodedToken>? b)
    {
        var template = b is null ? Single : Pair;
        var tokens = new List<EncodedToken>(a.Count + (b?.Count ?? 0) + 4);
        var types = new List<int>(tokens.Capacity);
        var special = new List<bool>(tokens.Capacity);
        int secondStart = -1;
        for (int i = 0; i < template.Count; i++)
        {
            var p = template[i];
            if (p.Sequence == '\0')
            {
                if (SkipsAfter(template, i, a, b)) continue;
                tokens.Add(SpecialAfter(p, tokens));
                types.Add(p.TypeId);
                special.Add(true);
            }
            else
            {
                var seq = p.Sequence == 'A' ? a : b!;
                if (p.Sequence == 'B' && secondStart < 0) secondStart = tokens.Count;
                foreach (var t in seq)
                {
                    tokens.Add(t);
                    types.Add(p.TypeId);
                    special.Add(false);
                }
            }
        }
        return new EncodedInput(tokens, types, special, secondStart);
    }
}
