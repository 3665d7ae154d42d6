using MLNet.Compression.Evaluation.Knowledge;
using MLNet.Compression.Evaluation.Statistics;
using Spectre.Console;

namespace MLNet.Compression.Cli.Output;

/// <summary>The tables <c>probe</c> prints: one per LAMA subset, a row per relation and a macro (or micro) row.</summary>
internal static class LamaTables
{
    /// <summary>Writes a table per subset, with the columns <paramref name="protocol"/> reports.</summary>
    public static void Show(IReadOnlyList<LamaSubsetResult> results, LamaProtocol protocol)
    {
        bool namburi = protocol == LamaProtocol.Namburi2023;
        foreach (var s in results)
        {
            var table = new Table().Title(CliErrors.Escape(s.Name)).AddColumn("relation").AddColumn(new TableColumn("facts").RightAligned())
                .AddColumn(new TableColumn("skipped").RightAligned());
            if (namburi) table.AddColumn(new TableColumn("top-1").RightAligned()).AddColumn(new TableColumn("top-5").RightAligned());
            else table.AddColumn(new TableColumn("P@1").RightAligned()).AddColumn(new TableColumn("P@1 95% CI").RightAligned())
                .AddColumn(new TableColumn("P@10").RightAligned()).AddColumn(new TableColumn("MRR").RightAligned());
            foreach (var r in s.Relations)
                table.AddRow([CliErrors.Escape(r.Relation), r.NFacts.ToString(), r.NSkipped.ToString(),
                    .. namburi ? new[] { F(r.NamburiTop1), F(r.NamburiTop5) } : [F(r.PAt1), Ci(LamaIntervals.PAt1(r.Facts)), F(r.PAtK), F(r.Mrr, 4)]]);
            table.AddRow([namburi ? "micro" : "macro", s.NFacts.ToString(), s.Relations.Sum(r => r.NSkipped).ToString(),
                .. namburi ? new[] { F(s.MicroNamburiTop1), F(s.MicroNamburiTop5) } : [F(s.MacroPAt1), "", F(s.MacroPAtK), F(s.MacroMrr, 4)]]);
            AnsiConsole.Write(table);
            var micro = LamaIntervals.PAt1(s.Relations.SelectMany(r => r.Facts).ToList());
            AnsiConsole.WriteLine($"{s.Name}: micro P@1 {micro.ToString("0.000")} over {s.NFacts} facts ([low, high] = 95% bootstrap interval over facts)");
        }
    }

    private static string Ci(Interval i) => Markup.Escape(double.IsFinite(i.Low) ? $"[{F(i.Low)}, {F(i.High)}]" : "-");

    private static string F(double v, int digits = 3) => double.IsFinite(v) ? v.ToString("F" + digits, System.Globalization.CultureInfo.InvariantCulture) : "-";
}
