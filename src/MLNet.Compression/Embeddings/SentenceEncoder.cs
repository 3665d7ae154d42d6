using MLNet.Compression.Modeling;
using MLNet.Compression.Tensors;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.Embeddings;

/// <summary>
/// Sentence vectors as sentence-transformers' SentenceTransformer.encode makes them: the text (lower-cased where the model
/// says so) encoded with the model's tokenizer and special tokens, cut to max_seq_length, run through the model in batches
/// of similar length, the last hidden state pooled over the real tokens, then the Dense and Normalize modules. Any model
/// that gives hidden states can encode: a bare encoder, a masked LM (its head is not run beyond one position), a decoder,
/// or the encoder half of a seq2seq model.
/// </summary>
public sealed class SentenceEncoder
{
    /// <summary>How vectors are made; <see cref="Load"/> reads them from a sentence-transformers folder.</summary>
    public sealed record Options
    {
        public Pooling Pooling { get; init; } = Pooling.Mean;

        /// <summary>Dense modules applied after pooling, in order.</summary>
        public IReadOnlyList<DenseModule> Dense { get; init; } = [];

        /// <summary>Scale each vector to unit length at the end.</summary>
        public bool Normalize { get; init; }

        /// <summary>Tokens per text, special tokens included; null: the model's own limit.</summary>
        public int? MaxSeqLength { get; init; }

        /// <summary>Lower-case the text before tokenizing (sentence_bert_config.json do_lower_case).</summary>
        public bool DoLowerCase { get; init; }

        /// <summary>Texts per forward pass. Default 32.</summary>
        public int BatchSize { get; init; } = 32;
    }

    public SentenceEncoder(LanguageModel model, Tokenizer tokenizer, Options? options = null)
    {
        Model = model;
        Tokenizer = tokenizer;
        Settings = options ?? new Options();
        if (Settings.BatchSize < 1) throw new ArgumentException($"batch size {Settings.BatchSize} (expected a positive number of texts).");
        int pooled = Settings.Pooling.Dimension(model.HiddenSize);
        foreach (var d in Settings.Dense)
        {
            if (d.InFeatures != pooled) throw new ArgumentException($"a Dense module takes {d.InFeatures} values but the pooling gives {pooled}.");
            pooled = d.OutFeatures;
        }
        Dimension = pooled;
    }

    public LanguageModel Model { get; }
    public Tokenizer Tokenizer { get; }
    public Options Settings { get; }

    /// <summary>Length of each sentence vector.</summary>
    public int Dimension { get; }

    /// <summary>
    /// The encoder of a model folder: a sentence-transformers folder (its modules), or any model folder (compressed ones
    /// included) with mean pooling and no normalisation; <paramref name="overrides"/> replaces what the folder says.
    /// </summary>
    public static SentenceEncoder Load(string folder, Func<Options, Options>? overrides = null)
    {
        var st = SentenceTransformerConfig.Read(folder);
        var model = ModelLoader.Load(st.TransformerFolder);
        var tokenizer = AutoTokenizer.FromFolder(st.TransformerFolder);
        var options = new Options { Pooling = st.Pooling, Dense = st.Dense, Normalize = st.Normalize, MaxSeqLength = st.MaxSeqLength, DoLowerCase = st.DoLowerCase };
        return new SentenceEncoder(model, tokenizer, overrides is null ? options : overrides(options));
    }

    /// <summary>The same tokenizer and settings over another model of the same family (a compressed copy of this one).</summary>
    public SentenceEncoder With(LanguageModel model) => new(model, Tokenizer, Settings);

    /// <summary>One vector of <see cref="Dimension"/> per text, in order.</summary>
    /// <param name="progress">called with (texts done, total)</param>
    public float[][] Encode(IReadOnlyList<string> texts, Action<int, int>? progress = null)
    {
        int max = Math.Min(Settings.MaxSeqLength ?? int.MaxValue, Model.MaxPositions ?? int.MaxValue);
        var ids = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            string t = Settings.DoLowerCase ? texts[i].ToLowerInvariant() : texts[i];
            ids[i] = Tokenizer.Encode(t, addSpecialTokens: true, truncation: max != int.MaxValue, maxLength: max == int.MaxValue ? null : max).Ids.ToArray();
            if (ids[i].Length == 0) throw new ArgumentException($"text {i + 1} encodes to no tokens.");
        }
        // Longest first in batches of similar length, as encode() sorts by length, so padding costs little.
        var order = Enumerable.Range(0, texts.Count).OrderByDescending(i => ids[i].Length).ToArray();
        var result = new float[texts.Count][];
        int pad = Tokenizer.PadTokenId ?? Model.Generation.PadTokenId ?? 0;
        int done = 0;
        for (int start = 0; start < order.Length; start += Settings.BatchSize)
        {
            var chunk = order.AsSpan(start, Math.Min(Settings.BatchSize, order.Length - start)).ToArray();
            var batch = TokenBatch.FromRows(chunk.Select(i => ids[i]).ToList(), pad);
            var hidden = LastHiddenState(batch);   // [batch, seq, hidden]
            var pooled = Settings.Pooling.Pool(hidden, batch.Mask!);
            for (int k = 0; k < chunk.Length; k++)
            {
                var v = pooled[k];
                foreach (var d in Settings.Dense) v = d.Apply(v);
                if (Settings.Normalize) Pooling.Normalize(v);
                result[chunk[k]] = v;
            }
            progress?.Invoke(done += chunk.Length, texts.Count);
        }
        return result;
    }

    /// <summary>[batch, seq, hidden]: the encoder's output for seq2seq models, else the last hidden state.</summary>
    private Tensor LastHiddenState(TokenBatch batch)
        => Model is Seq2SeqLanguageModel s2s ? s2s.Encode(batch).LastHiddenState
            : Model.Forward(new ModelInput(batch), new ForwardOptions { LogitPositions = [0] }).LastHiddenState
              ?? throw new InvalidOperationException($"this {Model.ModelType} model gives no hidden states.");
}
