using MLNet.Compression.AutoSearch.Evaluation;
using MLNet.Compression.AutoSearch.Objectives;
using MLNet.Compression.AutoSearch.Plans;
using MLNet.Compression.AutoSearch.Storage;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>A search whose inputs have all been read and checked, with its study open in the store (see <see cref="CompressionExperiment.Prepare"/>).</summary>
public sealed class PreparedSearch : IDisposable
{
    private readonly IStudyStore? _ownedStore;

    internal PreparedSearch(SearchDataset data, CompressionSpace space, PlanJudge judge, IStudyStore store, IStudyStore? ownedStore, bool resumed)
    {
        (Data, Space, Judge, Store, _ownedStore, Resumed) = (data, space, judge, store, ownedStore, resumed);
    }

    public SearchDataset Data { get; }
    public CompressionSpace Space { get; }
    public PlanJudge Judge { get; }
    public IStudyStore Store { get; }
    /// <summary>True when the study existed before (a resumed search, or another worker's).</summary>
    public bool Resumed { get; }

    public void Dispose() => _ownedStore?.Dispose();
}
