using MLNet.Compression.Evaluation.Scoring;
using MLNet.Compression.Modeling;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Evaluation.Knowledge;

/// <summary>Which published protocol a probe follows.</summary>
public enum LamaProtocol
{
    /// <summary>
    /// Petroni et al. 2019 (facebookresearch/LAMA scripts/batch_eval_KB_completion.py): filter facts to single-token
    /// objects, one sentence per distinct (subject, object) under a template, rank the gold id over the candidates at the
    /// first mask; P@1, P@10, MRR.
    /// </summary>
    Lama,

    /// <summary>
    /// Namburi et al. 2023, "The Cost of Compression": every fact, its first masked sentence (or the template sentence),
    /// top-5 ids at the mask decoded and lower-cased, compared to the lower-cased label; micro Top-1 / Top-5.
    /// </summary>
    Namburi2023,
}

/// <summary>
/// Probes a model for the facts of LAMA relations. Masked LMs fill the model's own mask token; seq2seq models (T5) read
/// <c>&lt;extra_id_0&gt;</c> in its place and the first span token is ranked; decoder models rank the next token where
/// [Y] ends the sentence and otherwise rank the relation's distinct objects by sentence log-likelihood.
/// All sentences of a relation run through one batched loop (<see cref="DistributionRunner"/>).
/// </summary>
public sealed class LamaProbe
{
    /// <summary>Probe settings; the defaults are LAMA's.</summary>
    public sealed class Options
    {
        /// <summary>The protocol. Default <see cref="LamaProtocol.Lama"/>.</summary>
        public LamaProtocol Protocol { get; init; } = LamaProtocol.Lama;

        /// <summary>Sentences per forward pass. Default 32 (LAMA's batch_size).</summary>
        public int BatchSize { get; init; } = 32;

        /// <summary>Without a template, facts whose masked sentences exceed this many words are skipped. Default 100 (LAMA).</summary>
        public int MaxSentenceLength { get; init; } = 100;

        /// <summary>
        /// Lower-case subjects, objects and sentences (LAMA's --lowercase). Null: when the tokenizer lower-cases (an uncased
        /// BERT), as LAMA's Bert connector does for a model folder named "uncased".
        /// </summary>
        public bool? Lowercase { get; init; }

        /// <summary>
        /// LAMA's common_vocab file contents: candidates are restricted to these words and facts whose object is not one of
        /// them are skipped. Null: the whole vocabulary.
        /// </summary>
        public IReadOnlyCollection<string>? CommonVocab { get; init; }

        /// <summary>k of P@k. Default 10.</summary>
        public int K { get; init; } = 10;

        /// <summary>Ranks beyond this count 0 in MRR. Default 10,000 (LAMA's get_ranking topk).</summary>
        public int MrrCutoff { get; init; } = 10_000;

        /// <summary>Lines that are not valid JSON or lack obj_label are skipped and counted instead of stopping the run. Default false.</summary>
        public bool SkipBadLines { get; init; }

        /// <summary>
        /// Which facts to probe: (relation, fact) → true to keep. Default all. A search probes a deterministic part of the
        /// facts (its search split, or a smaller share of it at low fidelity) without rewriting the files.
        /// </summary>
        public Func<string, LamaFact, bool>? Include { get; init; }
    }

    private readonly LanguageModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly Options _options;
    private readonly bool _lower;
    private readonly int[]? _candidates;
    private readonly HashSet<string>? _vocabSubset;

    /// <summary>Creates a probe for a model and its tokenizer.</summary>
    public LamaProbe(LanguageModel model, Tokenizer tokenizer, Options? options = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        _options = options ?? new Options();
        _lower = _options.Lowercase ?? tokenizer is BertTokenizer { Settings.DoLowerCase: true };
        if (model.Kind == ModelKind.Encoder)
            throw new ArgumentException($"this {model.ModelType} model is a bare encoder (no masked-LM head), which cannot fill in facts; LAMA probes need a masked LM, a causal LM or a seq2seq LM.");
        if (model.Kind == ModelKind.MaskedLM && tokenizer.MaskTokenId is null) throw new ArgumentException("The tokenizer has no mask token.");
        if (_options.CommonVocab is { } words)
        {
            _vocabSubset = words.ToHashSet(StringComparer.Ordinal);
            // LAMA's init_indices_for_filter_logprobs: the ids of the vocabulary words that are single tokens.
            _candidates = words.Select(w => SingleTokenId(w)).Where(i => i >= 0).Distinct().Order().ToArray();
            if (_candidates.Length == 0) throw new ArgumentException("No word of the common vocabulary is a single token of this tokenizer.");
        }
    }

    /// <summary>Probes every relation of every subset; <paramref name="progress"/>(relation, facts done, facts in relation).</summary>
    public IReadOnlyList<LamaSubsetResult> Run(IReadOnlyList<LamaSubset> subsets, Action<string, int, int>? progress = null)
        => subsets.Select(s => new LamaSubsetResult(s.Name, s.Relations.Select(r => Run(r, progress)).ToArray())).ToArray();

    /// <summary>Probes one relation file.</summary>
    public LamaRelationResult Run(LamaRelationSource source, Action<string, int, int>? progress = null)
    {
        var file = LamaReader.ReadFacts(source.Path, _options.SkipBadLines);
        if (_options.Include is { } include) file = file with { Facts = file.Facts.Where(f => include(source.Relation, f)).ToList() };
        var prepared = _options.Protocol == LamaProtocol.Namburi2023 ? PrepareNamburi(file, source.Template) : PrepareLama(file, source.Template);
        var items = prepared.Items;
        var results = new LamaFactResult[items.Count];
        Action<int> report = done => progress?.Invoke(source.Relation, done, items.Count);
        if (_model.Kind == ModelKind.CausalLM && items.Any(i => i.Query is null))
            RankByLikelihood(items, results);
        var direct = Enumerable.Range(0, items.Count).Where(i => items[i].Query is not null).ToArray();
        var runner = new DistributionRunner(_model, new DistributionRunner.Options { BatchSize = _options.BatchSize, PadId = _tokenizer.PadTokenId });
        runner.Run(direct.Select(i => items[i].Query!).ToArray(), (q, _, lp) =>
        {
            var it = items[direct[q]];
            int rank = it.GoldId >= 0 ? Ranking.RankOf(lp, it.GoldId, _candidates) : int.MaxValue;
            int top = Ranking.ArgMax(lp, _candidates);
            IReadOnlyList<string>? top5 = null;
            if (_options.Protocol == LamaProtocol.Namburi2023)
                top5 = Ranking.TopK(lp, 5, _candidates).Select(id => _tokenizer.Decode([id]).Trim().ToLowerInvariant()).ToArray();
            results[direct[q]] = new LamaFactResult(it.Fact.Uuid, it.Fact.Line, it.NSourceLines, it.Gold, it.GoldId, rank, Token(top), top,
                                                     it.GoldId >= 0 ? lp[it.GoldId] : double.NaN) { Top5 = top5 };
        }, report);
        return new LamaRelationResult(source.Relation, source.Template, file.LineCount, prepared.Skipped + file.BadLines, prepared.MultiToken,
                                      file.BadLines, results, _options.K, _options.MrrCutoff);
    }

    private sealed record Item(LamaFact Fact, int NSourceLines, string Gold, int GoldId, DistributionQuery? Query, string Sentence);

    private sealed record Prepared(List<Item> Items, int Skipped, int MultiToken);

    /// <summary>LAMA's main(): lowercase_samples, filter_samples, then (with a template) distinct (sub, obj) facts in first-occurrence order.</summary>
    private Prepared PrepareLama(LamaFile file, string? template)
    {
        int skipped = 0, multi = 0;
        var kept = new List<LamaFact>();
        foreach (var raw in file.Facts)
        {
            var f = _lower ? Lowered(raw) : raw;
            // filter_samples: the object must tokenize to pieces whose ' '.join is the label itself.
            var (inVocab, pieces) = ObjectPieces(f.ObjLabel);
            bool tooLong = template is null && string.Join(" ", f.MaskedSentences).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length > _options.MaxSentenceLength;
            bool notInSubset = _vocabSubset is not null && f.ObjLabel.Split(' ').Any(w => !_vocabSubset.Contains(w));
            bool negative = f.JudgmentsNo > f.JudgmentsYes;   // Google-RE: more "no" than "yes" raters
            bool noSentence = template is null && f.MaskedSentences.Count == 0;
            if (tooLong || notInSubset || !inVocab || negative || noSentence) { skipped++; continue; }
            if (pieces > 1) { multi++; skipped++; continue; }   // LAMA itself raises on these; we count them
            kept.Add(f);
        }
        var items = new List<Item>();
        if (template is not null)
        {
            var first = new Dictionary<(string, string), int>();
            foreach (var f in kept)
            {
                if (first.TryGetValue((f.SubLabel, f.ObjLabel), out int at)) { items[at] = items[at] with { NSourceLines = items[at].NSourceLines + 1 }; continue; }
                first[(f.SubLabel, f.ObjLabel)] = items.Count;
                items.Add(MakeItem(f, Fill(template, f.SubLabel.Trim()), null));
            }
        }
        else
        {
            foreach (var f in kept) items.Add(MakeItem(f, f.MaskedSentences[0], f.MaskedSentences.Count > 1 ? f.MaskedSentences[1] : null));
        }
        int noMask = items.RemoveAll(i => i.Query is null && _model.Kind != ModelKind.CausalLM);
        return new Prepared(items, skipped + noMask, multi);
    }

    /// <summary>Namburi et al. 2023: every line, its first masked sentence (or the template sentence), lower-cased label.</summary>
    private Prepared PrepareNamburi(LamaFile file, string? template)
    {
        var items = new List<Item>();
        int skipped = 0;
        foreach (var f in file.Facts)
        {
            string? sentence = f.MaskedSentences.Count > 0 ? f.MaskedSentences[0] : template is null ? null : Fill(template, f.SubLabel.Trim());
            if (sentence is null) { skipped++; continue; }
            var item = MakeItem(f, sentence, null) with { Gold = f.ObjLabel.Trim().ToLowerInvariant() };
            if (item.Query is null) { skipped++; continue; }
            items.Add(item);
        }
        return new Prepared(items, skipped, 0);
    }

    private static string Fill(string template, string subject) => template.Replace("[X]", subject).Replace("[Y]", "[MASK]");

    private static LamaFact Lowered(LamaFact f) => f with
    {
        SubLabel = f.SubLabel.ToLowerInvariant(),
        ObjLabel = f.ObjLabel.ToLowerInvariant(),
        MaskedSentences = f.MaskedSentences.Select(s => s.ToLowerInvariant().Replace("[mask]", "[MASK]")).ToArray(),
    };

    /// <summary>
    /// The object as the model's tokenizer splits it. WordPiece: LAMA's filter keeps it only if ' '.join(pieces) is the label
    /// itself (so "tor ##onto" and stripped accents are out, "new york" is two tokens). Other tokenizers: the pieces of the
    /// word after a space ("Ġparis", "▁paris").
    /// </summary>
    private (bool InVocab, int Count) ObjectPieces(string obj)
    {
        if (_tokenizer is BertTokenizer)
        {
            var t = _tokenizer.Tokenize(obj);
            return (t.Count > 0 && string.Join(" ", t) == obj, t.Count);
        }
        int n = _tokenizer.EncodeToIds(" " + obj, addSpecialTokens: false).Count;
        return (n > 0, n);
    }

    private int SingleTokenId(string word)
    {
        string lead = _tokenizer is BertTokenizer ? word : " " + word;
        var ids = _tokenizer.EncodeToIds(lead, addSpecialTokens: false);
        return ids.Count == 1 ? ids[0] : -1;
    }

    private string Token(int id) => _tokenizer.IdToToken(id) ?? id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The model input for one sentence with "[MASK]" where the object goes, and the gold id (-1 when not a single token).</summary>
    private Item MakeItem(LamaFact f, string sentence, string? second)
    {
        string gold = f.ObjLabel;
        int goldId = SingleTokenId(gold);
        DistributionQuery? query = null;
        switch (_model.Kind)
        {
            case ModelKind.MaskedLM:
            {
                string mask = _tokenizer.MaskToken!;
                var ids = _tokenizer is BertTokenizer bert && _options.Protocol == LamaProtocol.Lama
                    ? LamaBertInput.Encode(bert, sentence, second)
                    : _tokenizer.Encode(sentence.Replace("[MASK]", mask), second?.Replace("[MASK]", mask)).Ids.ToArray();
                int pos = Array.IndexOf(ids, _tokenizer.MaskTokenId!.Value);   // LAMA scores the FIRST mask
                if (pos >= 0) query = new DistributionQuery(ids, [pos]);
                break;
            }
            case ModelKind.Seq2SeqLM:
            {
                string sentinel = Tokenizer.SentinelToken(0);
                int at = sentence.IndexOf("[MASK]", StringComparison.Ordinal);
                if (at < 0) break;
                string text = sentence[..at] + sentinel + sentence[(at + 6)..].Replace("[MASK]", _tokenizer.MaskToken ?? "");
                var ids = _tokenizer.EncodeToIds(text).ToArray();
                int start = _model.Generation.DecoderStartTokenId ?? _model.Generation.PadTokenId ?? 0;
                query = new DistributionQuery(ids, [1], [start, _tokenizer.GetSentinelTokenId(0) ?? throw new ArgumentException("The tokenizer has no <extra_id_0>.")]);
                break;
            }
            case ModelKind.CausalLM:
            {
                int at = sentence.IndexOf("[MASK]", StringComparison.Ordinal);
                // Next-token ranking only where the object ends the sentence; otherwise Query stays null and the
                // relation's objects are ranked by sentence log-likelihood.
                if (at >= 0 && sentence[(at + 6)..].Trim().Length == 0)
                {
                    var ids = PrefixIds(sentence[..at].TrimEnd());
                    query = new DistributionQuery(ids, [ids.Length - 1]);
                }
                break;
            }
        }
        return new Item(f, 1, gold, goldId, query, sentence);
    }

    /// <summary>Ids of a causal prompt with BOS in front where the model has one and the tokenizer did not add it, so the first word is predicted too.</summary>
    private int[] PrefixIds(string text)
    {
        var ids = _tokenizer.EncodeToIds(text).ToArray();
        if ((_tokenizer.BosTokenId ?? _model.Generation.BosTokenId) is { } bos && (ids.Length == 0 || ids[0] != bos)) ids = [bos, .. ids];
        return ids.Length == 0 ? throw new ArgumentException($"\"{text}\" encodes to no tokens and the model has no BOS token.") : ids;
    }

    /// <summary>
    /// Decoder models where [Y] is not last: each fact's sentence is filled with every distinct object of the relation and
    /// scored by log P(sentence); the gold's rank is 1 + the number of objects scoring strictly higher.
    /// </summary>
    private void RankByLikelihood(List<Item> items, LamaFactResult[] results)
    {
        var scorer = new CausalLmScorer(_model, new DistributionRunner.Options { BatchSize = _options.BatchSize, PadId = _tokenizer.PadTokenId });
        var objects = items.Select(i => i.Fact.ObjLabel).Distinct().ToArray();
        var targets = Enumerable.Range(0, items.Count).Where(i => items[i].Query is null).ToArray();
        var pairs = new List<(int[] Context, int[] Continuation)>();
        foreach (int i in targets)
            foreach (string o in objects)
            {
                var ids = PrefixIds(items[i].Sentence.Replace("[MASK]", o));
                // Without a BOS the first token has no context and is left out for every candidate alike.
                pairs.Add((ids[..1], ids[1..]));
            }
        var scores = scorer.ContinuationLogLikelihoods(pairs);
        for (int t = 0; t < targets.Length; t++)
        {
            var it = items[targets[t]];
            var s = scores.AsSpan(t * objects.Length, objects.Length);
            int g = Array.IndexOf(objects, it.Fact.ObjLabel);
            int above = 0, best = 0;
            for (int o = 0; o < objects.Length; o++)
            {
                if (s[o] > s[g]) above++;
                if (s[o] > s[best]) best = o;
            }
            results[targets[t]] = new LamaFactResult(it.Fact.Uuid, it.Fact.Line, it.NSourceLines, it.Gold, it.GoldId, above + 1, objects[best], -1, s[g]);
        }
    }
}
