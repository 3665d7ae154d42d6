namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// Opens a study store from a storage URL: <c>sqlite:PATH</c>, <c>sqlite:///abs/path</c> or a path ending in .db or
/// .sqlite for a SQLite file (one machine); <c>postgres://user:pass@host:port/db</c> (or <c>postgresql://</c>, with
/// options such as <c>?sslmode=disable</c>, or a Unix socket as <c>postgres:///db?host=/var/run/postgresql</c>) for a
/// PostgreSQL database that workers on several machines share.
/// </summary>
public static class StudyStores
{
    /// <summary>
    /// The store <paramref name="url"/> names. A URL that does not parse throws <see cref="ArgumentException"/> with a
    /// one-line message starting with <paramref name="where"/> (e.g. "--storage"); a store that cannot be opened or reached
    /// throws <see cref="StoreUnavailableException"/>.
    /// </summary>
    public static IStudyStore Open(string url, string where)
    {
        var parsed = StorageUrl.Parse(url, where);
        return parsed.SqlitePath is not null
            ? new SqliteStudyStore(parsed.SqlitePath)
            : new PostgresStudyStore(parsed.Postgres!, parsed.Description);
    }

    /// <summary>
    /// The absolute file a SQLite URL names, or null for a PostgreSQL URL; throws <see cref="ArgumentException"/> like
    /// <see cref="Open"/> on a URL that does not parse. Lets a read-only caller check the file exists before
    /// <see cref="Open"/>, which would create it.
    /// </summary>
    public static string? SqlitePath(string url, string where) => StorageUrl.Parse(url, where).SqlitePath;

    /// <summary><paramref name="url"/> as messages and logs may show it: the password replaced or left out.</summary>
    public static string Describe(string url) => StorageUrl.Describe(url);
}
