using MLNet.Compression.AutoSearch.Objectives;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using MLNet.Compression.IO;

namespace MLNet.Compression.AutoSearch.Experiment;

/// <summary>
/// results.json of a search (docs/FORMATS.md, "Search results"): the study, why it stopped, the limit, the best trial and
/// its per-layer plan, the Pareto front, the report split with intervals, the sensitivity table, and every trial with its
/// parameters, status, worker, attempts, duration, metrics and rungs.
/// </summary>
public static class ExperimentResultJson
{
    public static JsonObject ToJson(ExperimentResult r)
    {
        var o = new JsonObject
        {
            ["study"] = r.Study,
            ["storage"] = r.Storage,
            ["tuner"] = r.Tuner,
            ["stopped_by"] = r.StoppedBy,
            ["wall_seconds"] = r.WallSeconds,
            ["trials_run_here"] = r.TrialsRunHere,
            ["searched_limit_bytes"] = r.SearchedLimit == long.MaxValue ? null : r.SearchedLimit,
            ["dense_searched_bytes"] = r.DenseSearchedBytes,
            ["searched_parameters"] = r.Space?.SearchedParameters,
            ["best_trial"] = r.Best?.Id,
            ["pareto_front"] = new JsonArray(r.ParetoFront.Select(t => (JsonNode?)t.Id).ToArray()),
        };
        if (r.BestPlan is { } plan)
            o["best_plan"] = new JsonArray(plan.Rows().Select(x => (JsonNode?)new JsonObject
            {
                ["layer"] = x.Layer, ["label"] = x.Setting.Label, ["sparsity"] = x.Setting.Sparsity, ["pruner"] = x.Setting.Pruned ? x.Setting.Pruner : null,
                ["bits"] = x.Setting.Bits, ["quantizer"] = x.Setting.Bits is null ? null : x.Setting.Quantizer, ["bytes"] = x.Bytes,
            }).ToArray());
        o["report_split"] = JsonSerializer.SerializeToNode(r.Report, TrialMetrics.Json);
        o["sensitivity"] = r.Sensitivity is null ? null : JsonNode.Parse(r.Sensitivity.ToJson());
        o["trials"] = new JsonArray(r.Trials.Select(t => (JsonNode?)Trial(t)).ToArray());
        return o;
    }

    private static JsonObject Trial(TrialRecord t) => new()
    {
        ["id"] = t.Id,
        ["status"] = t.Status.ToString().ToLowerInvariant(),
        ["worker"] = t.Worker,
        ["attempts"] = t.Attempts,
        ["duration_seconds"] = t.DurationSeconds,
        ["parameters"] = JsonNode.Parse(t.Parameters.ToJson()),
        ["metrics"] = t.Metrics is null ? null : JsonNode.Parse(t.Metrics),
        ["rungs"] = t.Rungs is null ? null : JsonNode.Parse(t.Rungs),
        ["error"] = t.Error,
    };

    /// <summary>Writes results.json through a temporary file.</summary>
    public static void Write(ExperimentResult r, string path)
        => AtomicFile.WriteAllText(path, ToJson(r).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
