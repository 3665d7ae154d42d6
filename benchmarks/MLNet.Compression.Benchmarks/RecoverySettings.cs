using System.Globalization;
using MLNet.Compression.Distillation;
using MLNet.Compression.Synthetic;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// What `-- distill` recovers and how: --recover-arch (the demo teachers whose compressed copies are recovered; bert by
/// default), --recover-steps, --recover-lr-factor (the peak learning rate as a share of the one the teacher was trained
/// with; 0.25 by default), --recover-methods (magnitude,rtn by default), the RTN stage's --rtn-bits, --rtn-group (0: one group per row) and
/// --rtn-symmetric, and --kbit-grid (frozen: the layer's own grid, the default; refit: a grid fitted anew each step).
/// </summary>
internal sealed record RecoverySettings(ModelArchitecture[] Architectures, string[] Methods, int Steps, double LearningRateFactor, int RtnBits, int RtnGroup, bool RtnSymmetric,
    KBitRecoveryGrid Grid = KBitRecoveryGrid.Frozen)
{
    public static RecoverySettings Parse(string[] args, bool quick)
    {
        var archs = (DistillBench.Value(args, "--recover-arch") ?? "bert").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Trim().ToLowerInvariant() switch
        {
            "bert" => ModelArchitecture.Bert,
            "gpt2" => ModelArchitecture.Gpt2,
            _ => throw new ArgumentException($"--recover-arch: expected bert and/or gpt2 (the demo's two teachers), got \"{a}\"."),
        }).Distinct().ToArray();
        int Int(string name, string fallback) => int.Parse(DistillBench.Value(args, name) ?? fallback, CultureInfo.InvariantCulture);
        var methods = (DistillBench.Value(args, "--recover-methods") ?? "magnitude,rtn").Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (methods.FirstOrDefault(m => m is not ("magnitude" or "rtn")) is { } unknown)
            throw new ArgumentException($"--recover-methods: expected magnitude and/or rtn, got \"{unknown}\".");
        double lrFactor = double.Parse(DistillBench.Value(args, "--recover-lr-factor") ?? "0.25", CultureInfo.InvariantCulture);
        var grid = (DistillBench.Value(args, "--kbit-grid") ?? "frozen") switch
        {
            "frozen" => KBitRecoveryGrid.Frozen,
            "refit" => KBitRecoveryGrid.Refit,
            var g => throw new ArgumentException($"--kbit-grid: expected frozen or refit, got \"{g}\"."),
        };
        return new RecoverySettings(archs, methods, Int("--recover-steps", quick ? "100" : "400"), lrFactor, Int("--rtn-bits", "3"), Int("--rtn-group", "0"), args.Contains("--rtn-symmetric"), grid);
    }

    /// <summary>e.g. "RTN 3-bit, one group per row" or "RTN 3-bit symmetric, groups of 32".</summary>
    public string RtnLabel => $"RTN {RtnBits}-bit{(RtnSymmetric ? " symmetric" : "")}, {(RtnGroup > 0 ? $"groups of {RtnGroup}" : "one group per row")}";
}
