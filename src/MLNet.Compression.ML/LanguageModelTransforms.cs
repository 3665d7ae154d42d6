using Microsoft.ML;
using MLNet.Compression.Embeddings;
using MLNet.Compression.Distillation;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Estimators;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.ML.Stages;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML;

/// <summary>
/// Language-model stages for ML.NET pipelines, from <c>mlContext.Transforms.LanguageModel()</c>:
/// featurizers (<see cref="Embed(LanguageModelSource, Tokenizer, string, string, Pooling?, bool, int)"/>, <see cref="TokenIds"/>, <see cref="LogLikelihood"/>, <see cref="FillMask"/>, <see cref="Generate"/>) that
/// run this project's engine on a text column, and <see cref="Compress(LanguageModel, Tokenizer, Func{CompressionContext, IModelEstimator{ModelTransformer}}, string, CompressionEstimator.Options?)"/>,
/// whose Fit compresses a model with calibration text read from a column.
/// <code>
/// var lm = mlContext.Transforms.LanguageModel();
/// var pipeline = lm.Embed(model, tokenizer, "Features", "Text")
///     .Append(mlContext.BinaryClassification.Trainers.SdcaLogisticRegression("Label", "Features"));
/// var fitted = pipeline.Fit(data);
/// mlContext.Model.SaveWithLanguageModels(fitted, data.Schema, "model.zip");   // plain Model.Save cannot hold the model
/// </code>
/// Each featurizer's vector columns have a fixed size (a hidden size, a token count, a k) because a loaded ML.NET
/// CustomMapping learns its column sizes only from its row classes; the sizes there are row classes for are listed in the
/// error of an unsupported one.
/// </summary>
public sealed class LanguageModelTransforms
{
    private readonly TransformsCatalog _catalog;

    internal LanguageModelTransforms(TransformsCatalog catalog) => _catalog = catalog;

    /// <summary>
    /// A float vector per text, as sentence-transformers' encode makes it (the engine's <see cref="SentenceEncoder"/>): the
    /// last hidden state (the encoder's for T5 and BART) pooled over the text's tokens by <paramref name="pooling"/>'s modes
    /// (default mean; cls for BERT-like encoders, last-token for decoders; several modes concatenate), optionally scaled to
    /// unit length. Its size is the hidden size times the number of modes. Texts are encoded with special tokens and cut to
    /// <paramref name="maxTokens"/>; a text with no token gives zeros.
    /// </summary>
    public LanguageModelEstimator Embed(LanguageModelSource model, Tokenizer tokenizer, string outputColumnName = "Embedding", string inputColumnName = "Text",
                                        Pooling? pooling = null, bool normalize = false, int maxTokens = 128)
        => Embed(model, tokenizer, new SentenceEncoder.Options { Pooling = pooling ?? Pooling.Mean, Normalize = normalize, MaxSeqLength = maxTokens }, outputColumnName, inputColumnName);

    /// <summary>
    /// The vectors <paramref name="encoder"/> makes (<see cref="SentenceEncoder.Encode"/>), one per text: a
    /// sentence-transformers model as <see cref="SentenceEncoder.Load"/> reads it, with its pooling, max_seq_length,
    /// do_lower_case, Dense and Normalize modules, so the column equals what the <c>embed</c> command writes for the same
    /// folder. Without a max_seq_length the model's position limit (else 512) bounds the tokens.
    /// </summary>
    public LanguageModelEstimator Embed(SentenceEncoder encoder, string outputColumnName = "Embedding", string inputColumnName = "Text")
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var settings = encoder.Settings.MaxSeqLength is null ? encoder.Settings with { MaxSeqLength = encoder.Model.MaxPositions ?? 512 } : encoder.Settings;
        return Embed(encoder.Model, encoder.Tokenizer, settings, outputColumnName, inputColumnName);
    }

    private LanguageModelEstimator Embed(LanguageModelSource model, Tokenizer tokenizer, SentenceEncoder.Options settings, string outputColumnName, string inputColumnName)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = TokenizerFiles.Of(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), "Embed");
        var planned = model.Planned;
        EmbeddingStage.Check(planned, settings.Pooling, settings.MaxSeqLength!.Value, "Embed");
        _ = new SentenceEncoder(planned, tokenizer, settings);   // checks the Dense modules' sizes now rather than at Fit
        return new LanguageModelEstimator(_catalog, "Embed", inputColumnName, [outputColumnName], EmbeddingStage.ShapeFor(EmbeddingStage.Dimension(settings, planned.HiddenSize)), () =>
        {
            var (m, changes) = model.Resolve("Embed");
            if (m.HiddenSize != planned.HiddenSize)
                throw new InvalidOperationException($"Embed: the compressed model has hidden size {m.HiddenSize}, but the pipeline's schema was built for {planned.HiddenSize}.");
            return new EmbeddingStage(m, tokenizer, files, changes, settings);
        });
    }

    /// <summary>
    /// The ids a text encodes to (special tokens added), cut or padded to <paramref name="maxTokens"/> with the pad id (the
    /// tokenizer's, else the model's, else 0), and the attention mask (1 real token, 0 padding): two Int32 vectors.
    /// </summary>
    /// <param name="model">optional: where given, its pad_token_id is used when the tokenizer has none, and its position limit is checked</param>
    public LanguageModelEstimator TokenIds(Tokenizer tokenizer, string outputColumnName = "TokenIds", string maskColumnName = "AttentionMask", string inputColumnName = "Text",
                                           int maxTokens = 128, LanguageModel? model = null)
    {
        var files = TokenizerFiles.Of(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), "TokenIds");
        var shape = TokenIdsStage.ShapeFor(maxTokens);
        _ = new TokenIdsStage(model, tokenizer, files, maxTokens);   // checks the settings now rather than at Fit
        return new LanguageModelEstimator(_catalog, "TokenIds", inputColumnName, [outputColumnName, maskColumnName], shape,
                                          () => new TokenIdsStage(model, tokenizer, files, maxTokens));
    }

    /// <summary>
    /// The log-likelihood of each text (natural log, summed over the scored tokens), its perplexity and the number of tokens
    /// scored. Causal LMs score each token given the ones before it; masked LMs give the pseudo-log-likelihood of Salazar et
    /// al. 2020 (each non-special token masked in turn), whose perplexity is their pseudo-perplexity.
    /// </summary>
    public LanguageModelEstimator LogLikelihood(LanguageModelSource model, Tokenizer tokenizer, string outputColumnName = "LogLikelihood", string perplexityColumnName = "Perplexity",
                                                string tokenCountColumnName = "ScoredTokens", string inputColumnName = "Text", int maxTokens = 128)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = TokenizerFiles.Of(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), "LogLikelihood");
        LikelihoodStage.Check(model.Planned, tokenizer, maxTokens);
        return new LanguageModelEstimator(_catalog, "LogLikelihood", inputColumnName, [outputColumnName, perplexityColumnName, tokenCountColumnName], LikelihoodRows.Shape, () =>
        {
            var (m, changes) = model.Resolve("LogLikelihood");
            return new LikelihoodStage(m, tokenizer, files, changes, maxTokens);
        });
    }

    /// <summary>
    /// The <paramref name="topK"/> most probable tokens at the first mask of each text ("[MASK]" or the tokenizer's own mask
    /// token), best first, as the probe ranks them: their text (a text vector), probabilities and ids. Masked LMs only.
    /// </summary>
    public LanguageModelEstimator FillMask(LanguageModelSource model, Tokenizer tokenizer, string outputColumnName = "FilledTokens", string scoreColumnName = "FilledScores",
                                           string tokenIdColumnName = "FilledTokenIds", string inputColumnName = "Text", int topK = 5, int maxTokens = 128)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = TokenizerFiles.Of(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), "FillMask");
        _ = new FillMaskStage(model.Planned, tokenizer, files, null, topK, maxTokens);   // checks the settings now rather than at Fit
        return new LanguageModelEstimator(_catalog, "FillMask", inputColumnName, [outputColumnName, scoreColumnName, tokenIdColumnName], FillMaskStage.ShapeFor(topK), () =>
        {
            var (m, changes) = model.Resolve("FillMask");
            return new FillMaskStage(m, tokenizer, files, changes, topK, maxTokens);
        });
    }

    /// <summary>
    /// The greedy continuation of each text, decoded without special tokens, and the number of tokens generated (at most
    /// <paramref name="maxNewTokens"/>; fewer when the model emits its end-of-sequence token). Causal LMs continue the text;
    /// seq2seq models (T5, BART) write the target of the text as source. Greedy decoding is Hugging Face's
    /// generate(do_sample=False, num_beams=1) with the config's logits processors, so the column is deterministic.
    /// </summary>
    public LanguageModelEstimator Generate(LanguageModelSource model, Tokenizer tokenizer, string outputColumnName = "GeneratedText", string tokenCountColumnName = "GeneratedTokens",
                                           string inputColumnName = "Text", int maxNewTokens = 20, int maxTokens = 128)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = TokenizerFiles.Of(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), "Generate");
        GenerationStage.Check(model.Planned, maxNewTokens, maxTokens);
        return new LanguageModelEstimator(_catalog, "Generate", inputColumnName, [outputColumnName, tokenCountColumnName], GenerationRows.Shape, () =>
        {
            var (m, changes) = model.Resolve("Generate");
            return new GenerationStage(m, tokenizer, files, changes, maxNewTokens, maxTokens);
        });
    }

    /// <summary>
    /// Compresses <paramref name="model"/> when fitted, with the text of <paramref name="calibrationColumn"/> as calibration
    /// data for the stages that need it (GPTQ, SparseGPT, Wanda, OWL):
    /// <c>lm.Compress(model, tokenizer, ctx => ctx.Pruning.Wanda(0.5).Append(ctx.Quantization.Gptq(4)), "Text")</c>.
    /// </summary>
    public CompressionEstimator Compress(LanguageModel model, Tokenizer tokenizer, Func<CompressionContext, IModelEstimator<ModelTransformer>> stages,
                                         string calibrationColumn = "Text", CompressionEstimator.Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        return new CompressionEstimator(_catalog, model, tokenizer, (ctx, _) => stages(ctx), needsTrainingText: false, calibrationColumn, options);
    }

    /// <summary>
    /// As <see cref="Compress(LanguageModel, Tokenizer, Func{CompressionContext, IModelEstimator{ModelTransformer}}, string, CompressionEstimator.Options?)"/>,
    /// for stages that train: the column's rows, encoded by the model's tokenizer, are also the distillation text
    /// (<see cref="TrainingText"/>): <c>lm.Compress(model, tokenizer, (ctx, text) => ctx.Distillation.Student(text, steps: 200), "Text")</c>.
    /// </summary>
    public CompressionEstimator Compress(LanguageModel model, Tokenizer tokenizer, Func<CompressionContext, TrainingText, IModelEstimator<ModelTransformer>> stages,
                                         string calibrationColumn = "Text", CompressionEstimator.Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(stages);
        return new CompressionEstimator(_catalog, model, tokenizer, (ctx, text) => stages(ctx, text!), needsTrainingText: true, calibrationColumn, options);
    }
}

/// <summary>The entry point: <c>mlContext.Transforms.LanguageModel()</c>.</summary>
public static class LanguageModelCatalog
{
    /// <summary>The language-model stages (featurizers and compression) over MLNet.Compression's models.</summary>
    public static LanguageModelTransforms LanguageModel(this TransformsCatalog catalog)
        => new(catalog ?? throw new ArgumentNullException(nameof(catalog)));
}
