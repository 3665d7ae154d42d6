namespace MLNet.Compression.AutoSearch.Tests.Tuners;

/// <summary>What a synthetic problem says of one point.</summary>
internal sealed record Evaluation(double Loss, double[] Objectives, double Violation = 0);
