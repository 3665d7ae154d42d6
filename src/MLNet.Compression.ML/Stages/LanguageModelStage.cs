using System.Text.Json.Nodes;
using MLNet.Compression.Modeling;
using MLNet.Compression.ML.Rows;
using MLNet.Compression.Pipeline;
using MLNet.Compression.Tokenization;

namespace MLNet.Compression.ML.Stages;

/// <summary>
/// The state of one language-model stage of an ML.NET pipeline: the model, its tokenizer and the stage's settings. ML.NET
/// saves a CustomMapping as its contract name only, so this state is found through <see cref="StageRegistry"/> while the
/// process runs and is stored in extra entries of model.zip by <see cref="ModelOperationsExtensions.SaveWithLanguageModels"/>.
/// A stage is immutable once made, so one stage serves every cursor and thread.
/// </summary>
internal abstract class LanguageModelStage : IMappedStage
{
    private static long s_nextId;

    protected LanguageModelStage(LanguageModel? model, Tokenizer tokenizer, TokenizerFiles tokenizerFiles, IReadOnlyList<LayerChange>? changes)
    {
        Id = Interlocked.Increment(ref s_nextId);
        Model = model;
        Tokenizer = tokenizer;
        TokenizerFiles = tokenizerFiles;
        Changes = changes ?? [];
    }

    /// <summary>A process-wide id, for messages.</summary>
    public long Id { get; }

    /// <summary>The kind as stages.json names it.</summary>
    public abstract string Kind { get; }

    /// <summary>The row classes and contract of this stage.</summary>
    public abstract IStageShape Shape { get; }

    /// <summary>The model the stage runs; null for stages that only tokenize.</summary>
    public LanguageModel? Model { get; }

    public Tokenizer Tokenizer { get; }

    /// <summary>The tokenizer's files, kept in memory so the stage can be saved after its source folder is gone.</summary>
    public TokenizerFiles TokenizerFiles { get; }

    /// <summary>What compression did to the model's layers (empty for a model used as loaded); written to the saved manifest.</summary>
    public IReadOnlyList<LayerChange> Changes { get; }

    /// <summary>The settings stages.json keeps for this stage; <see cref="StageKinds.Create"/> reads them back.</summary>
    public abstract JsonObject Settings();

    /// <summary>The pad id of fixed-length inputs: the tokenizer's, else the model's pad_token_id, else 0 (as calibration text pads).</summary>
    protected int PadId => Tokenizer.PadTokenId ?? Model?.Generation.PadTokenId ?? 0;

    /// <summary>The longest input: <paramref name="maxTokens"/>, cut to the model's position limit.</summary>
    protected int TokenLimit(int maxTokens) => Math.Min(maxTokens, Model?.MaxPositions ?? int.MaxValue);

    /// <summary>The ids of one text as the model's tokenizer encodes model input (special tokens added), truncated.</summary>
    protected int[] Encode(string text, int maxTokens)
        => [.. Tokenizer.Encode(text, addSpecialTokens: true, truncation: true, maxLength: TokenLimit(maxTokens)).Ids];
}

/// <summary>A stage that maps one text to a <typeparamref name="TResult"/>.</summary>
internal abstract class TextStage<TResult>(LanguageModel? model, Tokenizer tokenizer, TokenizerFiles files, IReadOnlyList<LayerChange>? changes)
    : LanguageModelStage(model, tokenizer, files, changes), ITextStage<TResult>
{
    /// <summary>Computes one row; called from any cursor or thread, so it keeps no state between calls.</summary>
    public abstract TResult Compute(string text);
}
