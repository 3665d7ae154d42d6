namespace MLNet.Compression.ML.Rows;

/// <summary>
/// Hands stages to the factories ML.NET calls while it loads a model.zip. ML.NET builds each factory with its
/// parameterless constructor and passes it nothing, so <see cref="ModelOperationsExtensions.LoadWithLanguageModels"/>
/// queues the stages read from the zip, in pipeline order, before calling Model.Load, and each factory takes the next.
/// The queue is per async flow: loads on different threads do not see each other's stages, and plain Model.Load, which
/// queues nothing, is refused.
/// </summary>
internal static class StageLoadQueue
{
    private static readonly AsyncLocal<Queue<IMappedStage>?> Current = new();

    /// <summary>The message of plain Model.Load on a zip with language-model stages.</summary>
    public const string PlainLoadMessage = "This model.zip holds MLNet.Compression language-model stages, whose models are stored in its own entries; load it with mlContext.Model.LoadWithLanguageModels (MLNet.Compression.ML) instead of mlContext.Model.Load.";

    /// <summary>Queues <paramref name="stages"/> for the load that runs until the returned scope is disposed.</summary>
    public static Scope Begin(IReadOnlyList<IMappedStage> stages)
    {
        var previous = Current.Value;
        var queue = new Queue<IMappedStage>(stages);
        Current.Value = queue;
        return new Scope(queue, previous);
    }

    /// <summary>The next stage; its contract must be the one the pipeline names.</summary>
    public static IMappedStage Take(string contract)
    {
        var queue = Current.Value ?? throw new InvalidOperationException(PlainLoadMessage);
        if (!queue.TryDequeue(out var stage))
            throw new InvalidDataException($"the pipeline has more language-model stages than stages.json lists (one more with contract '{contract}').");
        if (stage.Shape.Contract != contract)
            throw new InvalidDataException($"the pipeline's next language-model stage has contract '{contract}', but stages.json lists '{stage.Shape.Contract}' ({stage.Kind}) there.");
        return stage;
    }

    public sealed class Scope(Queue<IMappedStage> queue, Queue<IMappedStage>? previous) : IDisposable
    {
        /// <summary>Stages not taken by the load.</summary>
        public int Left => queue.Count;

        public void Dispose() => Current.Value = previous;
    }
}
