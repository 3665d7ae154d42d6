namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// The PostgreSQL server the shared-study tests use: MLNET_TEST_POSTGRES (postgres://mlnet:mlnet@127.0.0.1:5432/mlnet_test
/// under .ci/run). Unset, the test is skipped on a developer's machine and fails under CI=true, where it would leave
/// several workers on one study untested.
/// </summary>
internal static class PostgresServer
{
    public const string Variable = "MLNET_TEST_POSTGRES";

    public static string Url()
    {
        string? url = Environment.GetEnvironmentVariable(Variable);
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Skip.If(string.IsNullOrWhiteSpace(url) && !ci, $"{Variable} is not set (e.g. postgres://mlnet:mlnet@127.0.0.1:5432/mlnet_test)");
        if (string.IsNullOrWhiteSpace(url))
            Assert.Fail($"CI=true but {Variable} is not set: .ci/run starts PostgreSQL and exports it; several search workers on one study went untested.");
        return url!;
    }

    /// <summary>A study name no earlier run used.</summary>
    public static string NewStudy(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
