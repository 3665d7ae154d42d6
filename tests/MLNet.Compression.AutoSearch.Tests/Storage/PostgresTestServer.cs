namespace MLNet.Compression.AutoSearch.Tests.Storage;

/// <summary>
/// The PostgreSQL server the store tests run against: the URL in MLNET_TEST_POSTGRES
/// (e.g. postgres://mlnet:mlnet@127.0.0.1:5432/mlnet_test, which .ci/run sets up). Without it the tests are skipped on
/// a developer's machine but fail in CI (CI=true), where a missing server means the distributed store went untested.
/// </summary>
internal static class PostgresTestServer
{
    public const string Variable = "MLNET_TEST_POSTGRES";

    /// <summary>The server's URL; skips the calling test when there is none outside CI, fails it in CI.</summary>
    public static string Url()
    {
        var url = Environment.GetEnvironmentVariable(Variable);
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        Skip.If(string.IsNullOrWhiteSpace(url) && !ci, $"{Variable} is not set (e.g. postgres://mlnet:mlnet@127.0.0.1:5432/mlnet_test)");
        if (string.IsNullOrWhiteSpace(url))
            Assert.Fail($"CI=true but {Variable} is not set: .ci/run installs and starts PostgreSQL and exports it; the PostgreSQL store is untested.");
        return url!;
    }
}
