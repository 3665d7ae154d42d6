using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Tuners;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

/// <summary>One proposal of a run: the settings, the point, and how many results the tuner had seen when it proposed it.</summary>
internal sealed record ProposalRecord(TrialSettings Settings, Parameters Point, int UpdatesBefore);
