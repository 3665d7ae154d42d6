using MLNet.Compression.AutoSearch.Space;
using MLNet.Compression.AutoSearch.Tuners;

namespace MLNet.Compression.AutoSearch.Tests.Tuners;

/// <summary>
/// Runs a tuner the way a study does: <paramref name="outstanding"/> proposals in flight (parallel workers), results fed
/// back in trial-id order, and a proposal that repeats an earlier trial's point answered by asking again with Attempt + 1.
/// </summary>
internal static class TunerHarness
{
    public static (List<ProposalRecord> Proposals, List<TrialResult> Results) Run(ITuner tuner, Func<Parameters, Evaluation> evaluate, int trials, int outstanding = 1)
    {
        var proposals = new List<ProposalRecord>();
        var results = new List<TrialResult>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<(int Id, Parameters P)>();
        int next = 0;
        while (results.Count < trials)
        {
            while (next < trials && pending.Count < outstanding)
            {
                int attempt = 0;
                Parameters p;
                while (true)
                {
                    p = tuner.Propose(new TrialSettings(next, attempt));
                    proposals.Add(new ProposalRecord(new TrialSettings(next, attempt), p, results.Count));
                    if (used.Add(p.ToJson()) || attempt >= 40) break;
                    attempt++;
                }
                pending.Enqueue((next++, p));
            }
            var (id, point) = pending.Dequeue();
            var e = evaluate(point);
            var r = new TrialResult { TrialId = id, Parameters = point, Loss = e.Loss, Objectives = e.Objectives, ConstraintViolation = e.Violation };
            tuner.Update(r);
            results.Add(r);
        }
        return (proposals, results);
    }

    /// <summary>The lowest loss of <paramref name="trials"/> trials of tuner <paramref name="name"/>.</summary>
    public static double BestLoss(string name, SearchSpace space, Func<Parameters, Evaluation> evaluate, int trials, int seed)
    {
        var tuner = TunerCatalog.Create(name, space, new TunerOptions { Seed = seed }, "test");
        return Run(tuner, evaluate, trials).Results.Min(r => r.Loss);
    }
}
