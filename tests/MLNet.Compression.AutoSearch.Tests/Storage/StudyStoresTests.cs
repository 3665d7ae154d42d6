using MLNet.Compression.AutoSearch.Storage;
using Npgsql;

namespace MLNet.Compression.AutoSearch.Tests.Storage;

public sealed class StudyStoresTests
{
    [Theory]
    [InlineData("sqlite:/tmp/a/study.db", "/tmp/a/study.db")]
    [InlineData("sqlite:///tmp/a/study.db", "/tmp/a/study.db")]
    [InlineData("/tmp/a/study.sqlite", "/tmp/a/study.sqlite")]
    [InlineData("/tmp/a/STUDY.DB", "/tmp/a/STUDY.DB")]
    public void SqliteUrlsGiveAnAbsolutePath(string url, string path)
    {
        var parsed = StorageUrl.Parse(url, "--storage");
        Assert.Equal(path, parsed.SqlitePath);
        Assert.Null(parsed.Postgres);
        Assert.Equal("sqlite:" + path, parsed.Description);
    }

    [Fact]
    public void RelativeSqlitePathIsResolvedAgainstTheCurrentFolder()
    {
        Assert.Equal(Path.GetFullPath("runs/s.db"), StorageUrl.Parse("sqlite:runs/s.db", "--storage").SqlitePath);
        Assert.Equal(Path.GetFullPath("s.db"), StorageUrl.Parse("s.db", "--storage").SqlitePath);
    }

    [Theory]
    [InlineData("postgres://mlnet:secret@db.example:6543/studies", "db.example", 6543, "studies", "mlnet", "secret", "postgres://mlnet@db.example:6543/studies")]
    [InlineData("postgresql://mlnet:s%40c%3Aret@127.0.0.1/studies?sslmode=disable", "127.0.0.1", 5432, "studies", "mlnet", "s@c:ret", "postgres://mlnet@127.0.0.1:5432/studies")]
    [InlineData("postgres:///studies?host=/var/run/postgresql", "/var/run/postgresql", 5432, "studies", null, null, "postgres:///studies?host=/var/run/postgresql")]
    [InlineData("postgres://postgres@/studies?host=/var/run/postgresql", "/var/run/postgresql", 5432, "studies", "postgres", null, "postgres://postgres@/studies?host=/var/run/postgresql")]
    [InlineData("postgres://u:p@[::1]:5433/d", "::1", 5433, "d", "u", "p", "postgres://u@[::1]:5433/d")]
    public void PostgresUrlsGiveConnectionSettingsAndAPasswordFreeDescription(string url, string host, int port, string db, string? user, string? password, string shown)
    {
        var parsed = StorageUrl.Parse(url, "--storage");
        var settings = Assert.IsType<NpgsqlConnectionStringBuilder>(parsed.Postgres);
        Assert.Null(parsed.SqlitePath);
        Assert.Equal((host, port, db, user, password), (settings.Host, settings.Port, settings.Database, settings.Username, settings.Password));
        Assert.Equal(shown, parsed.Description);
        Assert.Equal(shown, StudyStores.Describe(url));
    }

    [Fact]
    public void QueryOptionsSetSslModeAndTimeout()
    {
        var settings = StorageUrl.Parse("postgres://u:p@h/d?sslmode=verify-full&connect_timeout=3&application_name=w1", "--storage").Postgres!;
        Assert.Equal((SslMode.VerifyFull, 3, "w1"), (settings.SslMode, settings.Timeout, settings.ApplicationName));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("mysql://u:hunter2@h/d", "unknown form")]
    [InlineData("study.txt", "unknown form")]
    [InlineData("sqlite:", "no file path")]
    [InlineData("sqlite://server/x.db", "no host")]
    [InlineData("postgres://u:hunter2@h:99999/d", "port '99999'")]
    [InlineData("postgres://u:hunter2@h:5432", "no database name")]
    [InlineData("postgres://u:hunter2@/d", "no host")]
    [InlineData("postgres://u:hunter2@h/d?sslmode=sometimes", "sslmode 'sometimes'")]
    [InlineData("postgres://u:hunter2@h/d?pool=3", "unknown option 'pool'")]
    [InlineData("postgres://u@h/d?password=hunter2&x", "option 'x' is not name=value")]
    public void BadUrlsThrowOneLineStartingWithWhereAndNeverShowThePassword(string url, string reason)
    {
        var e = Assert.Throws<ArgumentException>(() => StudyStores.Open(url, "--storage"));
        Assert.StartsWith("--storage: ", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Contains("expected sqlite:PATH", e.Message);
        Assert.Contains("postgres://user:pass@host:5432/db", e.Message);
        Assert.DoesNotContain("hunter2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("hunter2", StudyStores.Describe(url));
    }

    [Fact]
    public void OpenGivesTheStoreTheUrlNames()
    {
        var path = Path.Combine(Path.GetTempPath(), "mlnet-store-tests", Guid.NewGuid().ToString("N"), "s.db");
        try
        {
            using var store = StudyStores.Open("sqlite:" + path, "--storage");
            Assert.IsType<SqliteStudyStore>(store);
            Assert.Equal("sqlite:" + path, store.Describe);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }
}
