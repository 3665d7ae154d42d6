using System.Globalization;
using System.Text.RegularExpressions;

namespace MLNet.Compression.AutoSearch.Objectives;

/// <summary>
/// A size budget (docs/AUTOSEARCH.md, "Objective"): a fraction of the searched layers' dense float32 bytes ("0.25"),
/// stored bits per weight over the searched layers counting scales, zero points, indices and biases ("3bits", "3bpw"),
/// or bytes of the whole stored model ("50MB", "1.5GB", "800KB", "123456B"; powers of 1000, and KiB/MiB/GiB powers of 1024).
/// Every form becomes a limit on the searched layers' bytes.
/// </summary>
public sealed record SizeBudget(SizeBudgetKind Kind, double Value)
{
    private static readonly Regex BitsForm = new(@"^(\d+(?:\.\d+)?)\s*(?:bits?|bpw)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex BytesForm = new(@"^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>Parses a budget; a text that is none of the forms is a one-line error starting with <paramref name="where"/>.</summary>
    public static SizeBudget Parse(string text, string where)
    {
        text = text.Trim();
        var inv = CultureInfo.InvariantCulture;
        if (double.TryParse(text, NumberStyles.Float, inv, out double f))
            return f > 0 && f <= 1 ? new SizeBudget(SizeBudgetKind.Fraction, f)
                : throw new ArgumentException($"{where}: {text} (a fraction of the dense size must be in (0, 1]; for bytes add a unit such as 50MB).");
        if (BitsForm.Match(text) is { Success: true } b)
        {
            double bits = double.Parse(b.Groups[1].Value, inv);
            return bits > 0 && bits <= 32 ? new SizeBudget(SizeBudgetKind.BitsPerWeight, bits)
                : throw new ArgumentException($"{where}: {text} (bits per weight must be in (0, 32]).");
        }
        if (BytesForm.Match(text) is { Success: true } m)
        {
            double scale = m.Groups[2].Value.ToLowerInvariant() switch
            {
                "b" => 1, "kb" => 1e3, "mb" => 1e6, "gb" => 1e9, "kib" => 1024, "mib" => 1024 * 1024, _ => 1024.0 * 1024 * 1024,
            };
            double bytes = double.Parse(m.Groups[1].Value, inv) * scale;
            return bytes >= 1 ? new SizeBudget(SizeBudgetKind.Bytes, bytes) : throw new ArgumentException($"{where}: {text} is less than one byte.");
        }
        throw new ArgumentException($"{where}: \"{text}\" is not a size budget (expected a fraction of the dense size such as 0.25, bits per weight such as 3bits, or a size such as 50MB).");
    }

    /// <summary>The limit on the searched layers' bytes.</summary>
    /// <param name="denseSearchedBytes">the searched layers' bytes as float32 (weights and biases)</param>
    /// <param name="searchedParameters">weights in the searched layers</param>
    /// <param name="fixedBytes">bytes of everything else in the model as stored (embeddings, norms, unsearched layers)</param>
    public long SearchedLimit(long denseSearchedBytes, long searchedParameters, long fixedBytes) => Kind switch
    {
        SizeBudgetKind.Fraction => (long)Math.Floor(Value * denseSearchedBytes),
        SizeBudgetKind.BitsPerWeight => (long)Math.Floor(Value * searchedParameters / 8),
        _ => (long)Math.Floor(Value) - fixedBytes,
    };

    public override string ToString() => Kind switch
    {
        SizeBudgetKind.Fraction => Value.ToString("0.###", CultureInfo.InvariantCulture) + " of dense",
        SizeBudgetKind.BitsPerWeight => Value.ToString("0.##", CultureInfo.InvariantCulture) + " bits/weight",
        _ => Value.ToString("0", CultureInfo.InvariantCulture) + " bytes",
    };
}

public enum SizeBudgetKind { Fraction, BitsPerWeight, Bytes }
