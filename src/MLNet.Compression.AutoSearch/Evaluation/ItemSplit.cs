using System.Text;

namespace MLNet.Compression.AutoSearch.Evaluation;

/// <summary>
/// The deterministic split of evaluation items (docs/AUTOSEARCH.md, "Search and report splits"): an item belongs to the
/// search split when FNV-1a-64 of "split:" + its key, as a fraction of 2^64, is below <see cref="SearchFraction"/>;
/// the rest is the report split, never seen while choosing the plan. Within the search split, an item belongs to the
/// share f of a multi-fidelity rung when the hash of "fidelity:" + key is below f, so rungs are nested (the items of a
/// small rung are also in every larger one) and the same for every worker, run and machine.
/// Keys: LAMA "lama/{relation}/{uuid or line}", CrowS-Pairs "crows/{index}", StereoSet "stereoset/{example id}",
/// embedding texts "text/{the text, trimmed}".
/// </summary>
public sealed record ItemSplit(double SearchFraction = 0.5)
{
    /// <summary>True when <paramref name="key"/> is in the search split.</summary>
    public bool IsSearch(string key) => Unit("split:" + key) < SearchFraction;

    /// <summary>True when <paramref name="key"/> is in <paramref name="part"/> at fidelity <paramref name="fraction"/> (the report split is always whole).</summary>
    public bool Includes(string key, SplitPart part, double fraction)
        => part == SplitPart.Report ? !IsSearch(key) : IsSearch(key) && (fraction >= 1 || Unit("fidelity:" + key) < fraction);

    /// <summary>FNV-1a 64-bit of the UTF-8 bytes, mapped to [0, 1).</summary>
    public static double Unit(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        // Fold the high bits down: FNV's low bits mix poorly for short keys that differ only at the end.
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (h >> 11) * (1.0 / (1UL << 53));
    }

    public static string LamaKey(string relation, string? uuid, int line) => $"lama/{relation}/{uuid ?? "line" + line}";
    public static string CrowsKey(int index) => $"crows/{index}";
    public static string StereoSetKey(string id) => $"stereoset/{id}";

    /// <summary>
    /// The key of an embedding text: its content, not its line, so a text keeps its split when lines are added, removed or
    /// reordered (a repeated text falls in one split with all its copies, which keeps the report split unseen).
    /// </summary>
    public static string TextKey(string text) => $"text/{text.Trim()}";
}

/// <summary>Which items a measurement uses.</summary>
public enum SplitPart { Search, Report }
