using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLNet.Compression.Study;

/// <summary>One pretraining checkpoint of a series: its folder, label and training step.</summary>
public sealed record Checkpoint(string Folder, string Label, long? Step);

/// <summary>
/// A series of pretraining checkpoints (Pythia's step revisions, Hugging Face Trainer's checkpoint-N folders, the demo's
/// step-N folders) in training order, for studying how bias and knowledge develop during pretraining.
/// </summary>
public static partial class CheckpointSeries
{
    /// <summary>
    /// The checkpoints of <paramref name="folders"/> (each a model folder), or, when one folder is given that is not itself a
    /// model, the model folders inside it. Ordered by step; a folder whose step cannot be found keeps its given order after
    /// those with steps.
    /// </summary>
    public static IReadOnlyList<Checkpoint> Resolve(IReadOnlyList<string> folders)
    {
        if (folders.Count == 0) throw new ArgumentException("no checkpoint folder given.");
        var list = folders.ToList();
        if (list.Count == 1 && Directory.Exists(list[0]) && !IsModelFolder(list[0]))
        {
            list = Directory.GetDirectories(list[0]).Where(IsModelFolder).Order(StringComparer.Ordinal).ToList();
            if (list.Count == 0) throw new DirectoryNotFoundException($"{folders[0]}: holds no model folder (a folder with config.json) to use as a checkpoint.");
        }
        foreach (var f in list)
            if (!IsModelFolder(f)) throw new DirectoryNotFoundException($"{f}: not a model folder (no config.json or manifest.json).");
        return list.Select((f, i) => (c: new Checkpoint(f, Path.GetFileName(Path.TrimEndingDirectorySeparator(f)), StepOf(f)), i))
            .OrderBy(x => x.c.Step is null ? 1 : 0).ThenBy(x => x.c.Step ?? 0).ThenBy(x => x.i)
            .Select(x => x.c).ToList();
    }

    /// <summary>Each checkpoint's step as a fraction of the largest step in the series; null when steps are unknown.</summary>
    public static double? Progress(Checkpoint c, IReadOnlyList<Checkpoint> series)
    {
        long max = series.Max(s => s.Step ?? 0);
        return c.Step is long step && max > 0 ? (double)step / max : null;
    }

    /// <summary>trainer_state.json's global_step, else the last number in the folder name ("step-000150", "checkpoint-2000", "step143000").</summary>
    public static long? StepOf(string folder)
    {
        string state = Path.Combine(folder, "trainer_state.json");
        if (File.Exists(state))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(state));
                if (doc.RootElement.TryGetProperty("global_step", out var g) && g.TryGetInt64(out long s)) return s;
            }
            catch (JsonException) { /* fall back to the folder name */ }
        }
        var m = LastNumber().Match(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static bool IsModelFolder(string f) => File.Exists(Path.Combine(f, "config.json")) || File.Exists(Path.Combine(f, "manifest.json"));

    [GeneratedRegex(@"(\d+)(?!.*\d)")]
    private static partial Regex LastNumber();
}
