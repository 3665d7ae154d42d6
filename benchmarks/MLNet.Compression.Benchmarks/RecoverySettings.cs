using System.Globalization;
using MLNet.Compression.Synthetic;

namespace MLNet.Compression.Benchmarks;

/// <summary>
/// What `-- distill` recovers and how: --recover-arch (the demo teachers whose compressed copies are recovered; bert by
/// default), --recover-steps, and the RTN stage's --rtn-bits, --rtn-group (0: one group per row) and --rtn-symmetric.
/// </summary>
internal sealed record RecoverySettings(ModelArchitecture[] Architectures, int Steps, int RtnBits, int RtnGroup, bool RtnSymmetric)
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
        return new RecoverySettings(archs, Int("--recover-steps", quick ? "100" : "400"), Int("--rtn-bits", "3"), Int("--rtn-group", "0"), args.Contains("--rtn-symmetric"));
    }

    /// <summary>e.g. "RTN 3-bit, one group per row" or "RTN 3-bit symmetric, groups of 32".</summary>
    public string RtnLabel => $"RTN {RtnBits}-bit{(RtnSymmetric ? " symmetric" : "")}, {(RtnGroup > 0 ? $"groups of {RtnGroup}" : "one group per row")}";
}
