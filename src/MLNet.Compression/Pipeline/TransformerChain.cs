using System.Collections;

namespace MLNet.Compression.Pipeline;

/// <summary>
/// The fitted stages of an <see cref="EstimatorChain{TLast}"/>, shaped like ML.NET's <c>TransformerChain&lt;TLastTransformer&gt;</c>:
/// indexable by stage, with the last one typed. As a transformer it holds the last stage's model and every stage's changes.
/// </summary>
public sealed class TransformerChain<TLast> : ModelTransformer, IReadOnlyList<ModelTransformer> where TLast : ModelTransformer
{
    private readonly ModelTransformer[] _stages;

    public TransformerChain(IReadOnlyList<ModelTransformer> stages)
        : base(Last(stages).Model, stages.SelectMany(s => s.Changes).ToList())
    {
        _stages = stages.ToArray();
        LastTransformer = (TLast)_stages[^1];
    }

    /// <summary>The last stage's own transformer (e.g. a <c>PruningTransformer</c> with its overall sparsity).</summary>
    public TLast LastTransformer { get; }

    public ModelTransformer this[int index] => _stages[index];

    public int Count => _stages.Length;

    public IEnumerator<ModelTransformer> GetEnumerator() => ((IEnumerable<ModelTransformer>)_stages).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static ModelTransformer Last(IReadOnlyList<ModelTransformer> stages)
        => stages.Count > 0 ? stages[^1] : throw new ArgumentException("a transformer chain needs at least one stage.", nameof(stages));
}
