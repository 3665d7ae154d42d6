using MLNet.Compression.AutoSearch.Objectives;
using System.Globalization;
using System.Text.Json;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>What `search-status` prints: the studies of a store with their trial counts, or one study's header, trials and best feasible trial.</summary>
public static class SearchStatusTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A row per study: when it was created and how many of its trials are in each status.</summary>
    public static void ShowStudies(string store, IReadOnlyList<(StudyInfo Study, IReadOnlyList<TrialRecord> Trials)> studies)
    {
        if (studies.Count == 0)
        {
            AnsiConsole.MarkupLine($"{Markup.Escape(store)} has no studies yet.");
            return;
        }
        var t = new Table().Title(Markup.Escape($"studies in {store}")).AddColumn("study").AddColumn("created (UTC)").AddColumn("model")
            .AddColumn(new TableColumn("trials").RightAligned()).AddColumn(new TableColumn("finished").RightAligned()).AddColumn(new TableColumn("pruned").RightAligned())
            .AddColumn(new TableColumn("failed").RightAligned()).AddColumn(new TableColumn("running").RightAligned()).AddColumn(new TableColumn("queued").RightAligned())
            .AddColumn("best feasible");
        foreach (var (s, trials) in studies)
        {
            int C(TrialStatus st) => trials.Count(x => x.Status == st);
            var best = BestFeasible(trials);
            t.AddRow(Markup.Escape(s.Name), Created(s), Markup.Escape(ModelOf(s) ?? "–"), trials.Count.ToString(Inv), C(TrialStatus.Finished).ToString(Inv),
                C(TrialStatus.Pruned).ToString(Inv), C(TrialStatus.Failed).ToString(Inv), C(TrialStatus.Running).ToString(Inv), C(TrialStatus.Queued).ToString(Inv),
                best is { } b ? Markup.Escape($"#{b.Trial.Id} loss {b.Metrics.Loss.ToString("0.0000", Inv)}") : "–");
        }
        AnsiConsole.Write(t);
    }

    /// <summary>The study's header, a row per trial, and its best feasible trial so far.</summary>
    public static void ShowStudy(string store, StudyInfo study, IReadOnlyList<TrialRecord> trials)
    {
        int C(TrialStatus st) => trials.Count(x => x.Status == st);
        var header = new List<string>
        {
            $"[bold]study[/] {Markup.Escape(study.Name)} in {Markup.Escape(store)}",
            $"[bold]created[/] {Created(study)}   [bold]model[/] {Markup.Escape(ModelOf(study) ?? "–")}",
            $"[bold]space[/] {Markup.Escape(Short(study.SpaceHash))}   [bold]model and objective[/] {Markup.Escape(Short(study.ModelHash))}",
            $"[bold]trials[/] {trials.Count}: {C(TrialStatus.Finished)} finished, {C(TrialStatus.Running)} running, {C(TrialStatus.Queued)} queued, " +
            $"{C(TrialStatus.Failed)} failed, {C(TrialStatus.Pruned)} pruned (stopped early by ASHA)",
        };
        AnsiConsole.Write(new Panel(new Markup(string.Join("\n", header))).Header("search-status").Border(BoxBorder.Rounded));

        if (trials.Count > 0)
        {
            var t = new Table().Border(TableBorder.Simple);
            foreach (var c in new[] { "trial", "status", "worker", "attempts", "duration (s)", "plan", "bits/w", "knowledge drop", "bias shift", "loss", "rung" })
                t.AddColumn(c is "trial" or "status" or "worker" or "plan" ? new TableColumn(c) : new TableColumn(c).RightAligned());
            foreach (var x in trials.OrderBy(x => x.Id))
            {
                var m = Metrics(x);
                string plan = x.Status == TrialStatus.Failed && x.Error is { } e ? "error: " + e.ReplaceLineEndings(" ") : m?.Plan ?? "";
                t.AddRow(x.Id.ToString(Inv), StatusText(x.Status), Markup.Escape(x.Worker ?? "–"), x.Attempts.ToString(Inv),
                    x.DurationSeconds?.ToString("0.0", Inv) ?? "–", Markup.Escape(plan),
                    m is { BitsPerWeight: > 0 } ? m.BitsPerWeight.ToString("0.00", Inv) : "–",
                    m?.KnowledgeDrop?.ToString("+0.000;-0.000;0.000", Inv) ?? "–", m?.BiasShift?.ToString("0.0", Inv) ?? "–",
                    m is null ? "–" : m.Loss.ToString("0.0000", Inv) + (m.Feasible ? "" : " (out of bounds)"), m?.Rung.ToString(Inv) ?? "–");
            }
            AnsiConsole.Write(t);
        }
        if (BestFeasible(trials) is { } best)
        {
            var m = best.Metrics;
            AnsiConsole.MarkupLine($"[bold]best feasible[/]: trial #{best.Trial.Id}  {Markup.Escape(m.Plan)}  {m.BitsPerWeight.ToString("0.00", Inv)} bits/weight, " +
                                   $"knowledge drop {m.KnowledgeDrop?.ToString("+0.000;-0.000;0.000", Inv) ?? "–"}, bias shift {m.BiasShift?.ToString("0.0", Inv) ?? "–"}, loss {m.Loss.ToString("0.0000", Inv)}");
        }
        else AnsiConsole.MarkupLine("[yellow]no finished trial keeps every bound yet[/]");
    }

    /// <summary>The finished, fully evaluated trial in the bounds with the least loss: the rule the search's best follows.</summary>
    private static (TrialRecord Trial, TrialMetrics Metrics)? BestFeasible(IReadOnlyList<TrialRecord> trials) =>
        trials.Where(t => t.Status == TrialStatus.Finished).Select(t => (t, m: Metrics(t)))
            .Where(x => x.m is { Evaluated: true, Feasible: true }).OrderBy(x => x.m!.Loss).ThenBy(x => x.t.Id)
            .Select(x => ((TrialRecord, TrialMetrics)?)(x.t, x.m!)).FirstOrDefault();

    /// <summary>A trial's metrics; null when it has none, or when another program left text that is not the metrics JSON.</summary>
    private static TrialMetrics? Metrics(TrialRecord t)
    {
        if (string.IsNullOrEmpty(t.Metrics)) return null;
        try { return TrialMetrics.FromJson(t.Metrics); }
        catch (JsonException) { return null; }
    }

    private static string StatusText(TrialStatus s) => s switch
    {
        TrialStatus.Finished => "[green]finished[/]",
        TrialStatus.Running => "[blue]running[/]",
        TrialStatus.Failed => "[red]failed[/]",
        TrialStatus.Pruned => "[grey]pruned[/]",
        _ => "queued",
    };

    private static string Created(StudyInfo s) => s.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Inv);

    /// <summary>The first 12 characters of a hash: enough to tell two studies apart by eye.</summary>
    private static string Short(string hash) => hash.Length <= 12 ? hash : hash[..12];

    /// <summary>The model path the study's definition names, or null.</summary>
    private static string? ModelOf(StudyInfo s)
    {
        try
        {
            using var doc = JsonDocument.Parse(s.DefinitionJson);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        catch (JsonException) { return null; }
    }
}
