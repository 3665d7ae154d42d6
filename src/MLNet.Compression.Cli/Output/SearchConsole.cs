using MLNet.Compression.AutoSearch.Objectives;
using System.Globalization;
using MLNet.Compression.AutoSearch.Experiment;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.AutoSearch.Trials;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>
/// What `search` shows while it runs: progress of the steps before the trials, then one row per trial (trial, plan,
/// bits/weight, knowledge drop, bias shift, size, rung, time, best so far). On a terminal the rows form a live table
/// that keeps the last rows in view; piped, each row is one line, so logs read the same.
/// </summary>
public sealed class SearchConsole : ISearchMonitor
{
    private readonly bool _live;
    private readonly Table _table;
    private LiveDisplayContext? _context;
    private string? _lastStep;
    private int _lastShare = -1;
    private TrialRecord? _best;
    private bool _headerPrinted;
    private readonly object _gate = new();
    private const int VisibleRows = 18;

    public SearchConsole()
    {
        _live = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        _table = new Table().Border(TableBorder.Rounded).Title("[bold]trials[/]");
        foreach (var c in Columns) _table.AddColumn(new TableColumn(c).RightAligned());
        _table.Columns[1].LeftAligned();
    }

    private static readonly string[] Columns = ["trial", "plan", "bits/w", "knowledge drop", "bias shift", "size", "rung", "status", "time", "best"];

    /// <summary>Runs <paramref name="search"/> with the live table on screen (a terminal) or as printed lines (piped).</summary>
    public T Show<T>(Func<T> search)
    {
        if (!_live) return search();
        T result = default!;
        AnsiConsole.Live(_table).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            _context = ctx;
            result = search();
        });
        _context = null;
        return result;
    }

    public void ReportProgress(string step, int done, int total)
    {
        lock (_gate)
        {
            int share = total == 0 ? 100 : 100 * done / total;
            if (step == _lastStep && share / 25 == _lastShare / 25 && done != total) return;
            (_lastStep, _lastShare) = (step, share);
            string line = total <= 1 ? step : $"{step}: {done}/{total} ({share}%)";
            if (_live && _context is not null) { _table.Caption(Markup.Escape(line)); _context.Refresh(); }
            else Console.WriteLine(line);
        }
    }

    public void ReportMessage(string message)
    {
        lock (_gate)
        {
            if (_live && _context is not null) { _table.Caption(Markup.Escape(message)); _context.Refresh(); }
            else Console.WriteLine(message);
        }
    }

    public void ReportBestTrial(TrialRecord trial) { lock (_gate) _best = trial; }

    public void ReportCompletedTrial(TrialRecord trial) => Row(trial);

    public void ReportFailedTrial(TrialRecord trial, string error) => Row(trial);

    private void Row(TrialRecord t)
    {
        lock (_gate)
        {
            var m = ExperimentResult.MetricsOf(t);
            // The best is only known after the trial is stored: a row is added after ReportBestTrial for the same trial.
            string[] cells =
            [
                t.Id.ToString(CultureInfo.InvariantCulture),
                m?.Plan ?? "",
                m is null ? "" : m.BitsPerWeight.ToString("0.00", CultureInfo.InvariantCulture),
                m is { Evaluated: true, KnowledgeDrop: double d } ? Signed(d) : m is null ? "" : "not run",
                m?.BiasShift is double b ? b.ToString("0.0", CultureInfo.InvariantCulture) : "",
                m is null ? "" : ByteSize.Format(m.SearchedBytes),
                m is { Evaluated: true } ? (m.Rung + 1).ToString(CultureInfo.InvariantCulture) : "",
                t.Status == TrialStatus.Failed ? "failed" : m is { Feasible: false } ? "out of bounds" : t.Status.ToString().ToLowerInvariant(),
                (t.DurationSeconds ?? 0).ToString("0.0", CultureInfo.InvariantCulture) + " s",
                _best is null ? "" : "#" + _best.Id,
            ];
            if (_live && _context is not null)
            {
                _table.AddRow(cells.Select(c => new Markup(Markup.Escape(c))).ToArray());
                while (_table.Rows.Count > VisibleRows) _table.Rows.RemoveAt(0);
                _context.Refresh();
                return;
            }
            if (!_headerPrinted)
            {
                Console.WriteLine(Line(Columns));
                _headerPrinted = true;
            }
            Console.WriteLine(Line(cells));
            if (t.Status == TrialStatus.Failed) Console.WriteLine($"  trial {t.Id} failed: {t.Error}");
        }
    }

    private static string Signed(double d) => (d >= 0 ? "+" : "") + d.ToString("0.000", CultureInfo.InvariantCulture);

    private static readonly int[] Widths = [5, 38, 6, 14, 10, 10, 4, 13, 8, 5];

    private static string Line(IReadOnlyList<string> cells)
        => string.Join("  ", cells.Select((c, i) => i == 1 ? (c.Length > Widths[i] ? c[..(Widths[i] - 1)] + "…" : c).PadRight(Widths[i]) : c.PadLeft(Widths[i])));
}
