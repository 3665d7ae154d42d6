using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// A study store in one SQLite file, which several worker processes on one machine can share.
/// The file is in WAL mode (readers never block the writer; https://www.sqlite.org/wal.html), every connection waits up
/// to <see cref="BusyTimeoutMs"/> for a lock instead of failing with SQLITE_BUSY, and every state change is one
/// transaction. Claim and OpenStudy run in <c>BEGIN IMMEDIATE</c> transactions, which take the write lock before
/// reading (https://www.sqlite.org/lang_transaction.html), so two processes cannot both see "29 trials" and create
/// trial 29. Times are the local clock in UTC as fixed-width ISO-8601 text, which sorts and compares as text.
/// Each call opens its own (pooled) connection, so one instance is safe to use from a worker thread and a heartbeat
/// timer at once.
/// </summary>
public sealed class SqliteStudyStore : IStudyStore
{
    /// <summary>The schema this build writes and reads (the store_meta row 'schema_version').</summary>
    public const int SchemaVersion = 1;

    /// <summary>How long a connection waits for another process's lock before giving up.</summary>
    public const int BusyTimeoutMs = 30_000;

    private static readonly string[] OwnTables = ["store_meta", "studies", "trials", "blobs"];

    private const string Schema = $"""
        CREATE TABLE store_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE studies(
            name TEXT PRIMARY KEY,
            space_hash TEXT NOT NULL,
            model_hash TEXT NOT NULL,
            definition TEXT NOT NULL,
            created_at TEXT NOT NULL);
        CREATE TABLE trials(
            study TEXT NOT NULL REFERENCES studies(name),
            id INTEGER NOT NULL,
            parameters TEXT NOT NULL,
            params_hash TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ({TrialStatusNames.CheckList})),
            worker TEXT,
            heartbeat TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            started_at TEXT,
            completed_at TEXT,
            duration_seconds REAL,
            metrics TEXT,
            rungs TEXT,
            error TEXT,
            PRIMARY KEY (study, id),
            UNIQUE (study, params_hash));
        CREATE INDEX trials_by_status ON trials(study, status);
        CREATE TABLE blobs(
            study TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (study, key));
        """;

    private const string TrialColumns =
        "id, parameters, status, worker, heartbeat, attempts, created_at, started_at, completed_at, duration_seconds, metrics, rungs, error";

    private readonly string _connectionString;
    private volatile bool _disposed;

    /// <summary>
    /// Opens the file at <paramref name="path"/>, creating it, its folder and the schema when absent.
    /// Throws <see cref="StoreUnavailableException"/> when the file is not a SQLite database, belongs to another program,
    /// has another schema version, or cannot be opened.
    /// </summary>
    public SqliteStudyStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        Describe = "sqlite:" + Path;
        try
        {
            var folder = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnavailableException($"{Describe}: cannot create its folder ({OneLine(e.Message)})", e);
        }
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
        Run(connection =>
        {
            // journal_mode=WAL is stored in the file: set once here, it holds for every later connection.
            using (var wal = Command(connection, null, "PRAGMA journal_mode=WAL"))
                wal.ExecuteScalar();
            using var tx = connection.BeginTransaction(deferred: false);
            EnsureSchema(connection, tx);
            tx.Commit();
            return 0;
        });
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public string Describe { get; }

    /// <inheritdoc />
    public StudyInfo OpenStudy(StudyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrEmpty(definition.Name);
        return Run(connection =>
        {
            using var tx = connection.BeginTransaction(deferred: false);
            var existing = ReadStudy(connection, tx, definition.Name);
            if (existing is not null)
            {
                StudyMismatch.ThrowIfDiffers(Describe, existing, definition);
                return existing;
            }
            using (var insert = Command(connection, tx,
                "INSERT INTO studies(name, space_hash, model_hash, definition, created_at) VALUES (@name, @space, @model, @definition, @now)"))
            {
                insert.Parameters.AddWithValue("@name", definition.Name);
                insert.Parameters.AddWithValue("@space", definition.SpaceHash);
                insert.Parameters.AddWithValue("@model", definition.ModelHash);
                insert.Parameters.AddWithValue("@definition", definition.DefinitionJson);
                insert.Parameters.AddWithValue("@now", Now());
                insert.ExecuteNonQuery();
            }
            var created = ReadStudy(connection, tx, definition.Name)!;
            tx.Commit();
            return created;
        });
    }

    /// <inheritdoc />
    public StudyInfo? FindStudy(string name) => Run(connection => ReadStudy(connection, null, name));

    /// <inheritdoc />
    public IReadOnlyList<StudyInfo> Studies() => Run(connection =>
    {
        using var select = Command(connection, null, "SELECT name, space_hash, model_hash, definition, created_at FROM studies ORDER BY name");
        using var reader = select.ExecuteReader();
        var studies = new List<StudyInfo>();
        while (reader.Read()) studies.Add(ReadStudyRow(reader));
        return studies;
    });

    /// <inheritdoc />
    public IReadOnlyList<TrialRecord> Trials(string study) => Run(connection => ReadTrials(connection, null, study));

    /// <inheritdoc />
    /// <remarks>
    /// Takes the lowest-id trial that is queued or running under a dead worker, before creating a new one; the whole
    /// decision and its write are one <c>BEGIN IMMEDIATE</c> transaction, so processes sharing the file claim one at a time.
    /// </remarks>
    public TrialRecord? Claim(string study, string worker, int maxTrials, TimeSpan heartbeatTimeout, Func<int, IReadOnlyList<TrialRecord>, Space.Parameters> propose)
    {
        ClaimRules.CheckArguments(study, worker, maxTrials, heartbeatTimeout);
        ArgumentNullException.ThrowIfNull(propose);
        return Run(connection =>
        {
            using var tx = connection.BeginTransaction(deferred: false);
            if (ReadStudy(connection, tx, study) is null) throw ClaimRules.UnknownStudy(Describe, study);
            string now = Now();
            var claimed = ReclaimOrTakeQueued(connection, tx, study, worker, now, Format(DateTimeOffset.UtcNow - heartbeatTimeout))
                ?? CreateTrial(connection, tx, study, worker, maxTrials, now, propose);
            tx.Commit();
            return claimed;
        });
    }

    private TrialRecord? ReclaimOrTakeQueued(SqliteConnection connection, SqliteTransaction tx, string study, string worker, string now, string expiredBefore)
    {
        var running = new List<string>();
        using (var workers = Command(connection, tx, "SELECT DISTINCT worker FROM trials WHERE study = @study AND status = 'running' AND worker IS NOT NULL"))
        {
            workers.Parameters.AddWithValue("@study", study);
            using var reader = workers.ExecuteReader();
            while (reader.Read()) running.Add(reader.GetString(0));
        }
        var dead = ClaimRules.DeadOnThisHost(running);

        // SQLite has no array parameters: the dead workers are few (one per killed process), one parameter each.
        var deadList = dead.Length == 0 ? "" : " OR worker IN (" + string.Join(", ", dead.Select((_, i) => "@dead" + i)) + ")";
        int? id;
        using (var pick = Command(connection, tx,
            $"SELECT id FROM trials WHERE study = @study AND (status = 'queued' OR (status = 'running' AND (heartbeat IS NULL OR heartbeat < @expired{deadList}))) ORDER BY id LIMIT 1"))
        {
            pick.Parameters.AddWithValue("@study", study);
            pick.Parameters.AddWithValue("@expired", expiredBefore);
            for (int i = 0; i < dead.Length; i++) pick.Parameters.AddWithValue("@dead" + i, dead[i]);
            id = pick.ExecuteScalar() is long found ? (int)found : null;
        }
        if (id is null) return null;
        using (var take = Command(connection, tx,
            "UPDATE trials SET status = 'running', worker = @worker, heartbeat = @now, started_at = @now, attempts = attempts + 1 WHERE study = @study AND id = @id"))
        {
            take.Parameters.AddWithValue("@worker", worker);
            take.Parameters.AddWithValue("@now", now);
            take.Parameters.AddWithValue("@study", study);
            take.Parameters.AddWithValue("@id", id.Value);
            take.ExecuteNonQuery();
        }
        return ReadTrial(connection, tx, study, id.Value);
    }

    private TrialRecord? CreateTrial(SqliteConnection connection, SqliteTransaction tx, string study, string worker, int maxTrials, string now,
        Func<int, IReadOnlyList<TrialRecord>, Space.Parameters> propose)
    {
        var all = ReadTrials(connection, tx, study);
        if (all.Count >= maxTrials) return null;
        int newId = all.Count;
        var parameters = propose(newId, all) ?? throw new InvalidOperationException($"study '{study}': the tuner proposed no parameters for trial {newId}.");
        string hash = parameters.Hash();
        using (var existing = Command(connection, tx, "SELECT id FROM trials WHERE study = @study AND params_hash = @hash"))
        {
            existing.Parameters.AddWithValue("@study", study);
            existing.Parameters.AddWithValue("@hash", hash);
            if (existing.ExecuteScalar() is long existingId) throw ClaimRules.DuplicateProposal(study, newId, parameters, (int)existingId);
        }
        using (var insert = Command(connection, tx,
            "INSERT INTO trials(study, id, parameters, params_hash, status, worker, heartbeat, attempts, created_at, started_at) " +
            "VALUES (@study, @id, @parameters, @hash, 'running', @worker, @now, 1, @now, @now)"))
        {
            insert.Parameters.AddWithValue("@study", study);
            insert.Parameters.AddWithValue("@id", newId);
            insert.Parameters.AddWithValue("@parameters", parameters.ToJson());
            insert.Parameters.AddWithValue("@hash", hash);
            insert.Parameters.AddWithValue("@worker", worker);
            insert.Parameters.AddWithValue("@now", now);
            insert.ExecuteNonQuery();
        }
        return ReadTrial(connection, tx, study, newId);
    }

    /// <inheritdoc />
    public bool Heartbeat(string study, int trialId, string worker) =>
        UpdateOwned(study, trialId, worker, "heartbeat = @now", _ => { });

    /// <inheritdoc />
    public bool ReportRungs(string study, int trialId, string worker, string rungsJson)
    {
        ArgumentNullException.ThrowIfNull(rungsJson);
        return UpdateOwned(study, trialId, worker, "rungs = @rungs, heartbeat = @now", p => p.AddWithValue("@rungs", rungsJson));
    }

    /// <inheritdoc />
    public bool Complete(string study, int trialId, string worker, TrialStatus status, string? metricsJson, string? error, double durationSeconds)
    {
        string final = TrialStatusNames.ToFinalText(status);
        return UpdateOwned(study, trialId, worker,
            "status = @status, metrics = @metrics, error = @error, duration_seconds = @duration, completed_at = @now, heartbeat = @now",
            p =>
            {
                p.AddWithValue("@status", final);
                p.AddWithValue("@metrics", (object?)metricsJson ?? DBNull.Value);
                p.AddWithValue("@error", (object?)error ?? DBNull.Value);
                p.AddWithValue("@duration", double.IsFinite(durationSeconds) ? durationSeconds : DBNull.Value);
            });
    }

    /// <inheritdoc />
    public bool Release(string study, int trialId, string worker)
        => UpdateOwned(study, trialId, worker, "status = 'queued', worker = NULL, heartbeat = @now", _ => { });

    /// <summary>One UPDATE of a trial, applied only while <paramref name="worker"/> owns it and it runs.</summary>
    private bool UpdateOwned(string study, int trialId, string worker, string set, Action<SqliteParameterCollection> bind) => Run(connection =>
    {
        using var update = Command(connection, null,
            $"UPDATE trials SET {set} WHERE study = @study AND id = @id AND status = 'running' AND worker = @worker");
        update.Parameters.AddWithValue("@study", study);
        update.Parameters.AddWithValue("@id", trialId);
        update.Parameters.AddWithValue("@worker", worker);
        update.Parameters.AddWithValue("@now", Now());
        bind(update.Parameters);
        return update.ExecuteNonQuery() == 1;
    });

    /// <inheritdoc />
    public string? GetBlob(string study, string key) => Run(connection =>
    {
        using var select = Command(connection, null, "SELECT value FROM blobs WHERE study = @study AND key = @key");
        select.Parameters.AddWithValue("@study", study);
        select.Parameters.AddWithValue("@key", key);
        return select.ExecuteScalar() as string;
    });

    /// <inheritdoc />
    public string PutBlobIfAbsent(string study, string key, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Run(connection =>
        {
            using var tx = connection.BeginTransaction(deferred: false);
            using (var insert = Command(connection, tx, "INSERT INTO blobs(study, key, value) VALUES (@study, @key, @value) ON CONFLICT (study, key) DO NOTHING"))
            {
                insert.Parameters.AddWithValue("@study", study);
                insert.Parameters.AddWithValue("@key", key);
                insert.Parameters.AddWithValue("@value", json);
                insert.ExecuteNonQuery();
            }
            string stored;
            using (var select = Command(connection, tx, "SELECT value FROM blobs WHERE study = @study AND key = @key"))
            {
                select.Parameters.AddWithValue("@study", study);
                select.Parameters.AddWithValue("@key", key);
                stored = (string)select.ExecuteScalar()!;
            }
            tx.Commit();
            return stored;
        });
    }

    /// <summary>Releases the pooled connections to the file, so it can be moved or deleted.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>
    /// Checks the file is a study store of this schema version, creating the schema in an empty database. Runs inside
    /// the caller's write transaction so two processes opening a new file at once create it once.
    /// </summary>
    private void EnsureSchema(SqliteConnection connection, SqliteTransaction tx)
    {
        var tables = new List<string>();
        using (var list = Command(connection, tx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
        using (var reader = list.ExecuteReader())
            while (reader.Read()) tables.Add(reader.GetString(0));
        if (tables.Count == 0)
        {
            using (var create = Command(connection, tx, Schema)) create.ExecuteNonQuery();
            using var version = Command(connection, tx, "INSERT INTO store_meta(key, value) VALUES ('schema_version', @version)");
            version.Parameters.AddWithValue("@version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            version.ExecuteNonQuery();
            return;
        }
        var foreign = tables.Where(t => !OwnTables.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
        if (foreign.Count > 0 || !tables.Contains("store_meta", StringComparer.OrdinalIgnoreCase))
            throw new StoreUnavailableException(
                $"{Describe}: is a SQLite database of another program (tables {string.Join(", ", tables)}), not a study store; choose another file.");
        using var read = Command(connection, tx, "SELECT value FROM store_meta WHERE key = 'schema_version'");
        var found = read.ExecuteScalar() as string;
        if (found != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new StoreUnavailableException(
                $"{Describe}: study store schema version {found ?? "(none)"}; this build reads version {SchemaVersion}.");
    }

    private StudyInfo? ReadStudy(SqliteConnection connection, SqliteTransaction? tx, string name)
    {
        using var select = Command(connection, tx, "SELECT name, space_hash, model_hash, definition, created_at FROM studies WHERE name = @name");
        select.Parameters.AddWithValue("@name", name);
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadStudyRow(reader) : null;
    }

    private static StudyInfo ReadStudyRow(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), ParseTime(reader.GetString(4)));

    private List<TrialRecord> ReadTrials(SqliteConnection connection, SqliteTransaction? tx, string study)
    {
        using var select = Command(connection, tx, $"SELECT {TrialColumns} FROM trials WHERE study = @study ORDER BY id");
        select.Parameters.AddWithValue("@study", study);
        using var reader = select.ExecuteReader();
        var trials = new List<TrialRecord>();
        while (reader.Read()) trials.Add(ReadTrialRow(reader));
        return trials;
    }

    private TrialRecord ReadTrial(SqliteConnection connection, SqliteTransaction tx, string study, int id)
    {
        using var select = Command(connection, tx, $"SELECT {TrialColumns} FROM trials WHERE study = @study AND id = @id");
        select.Parameters.AddWithValue("@study", study);
        select.Parameters.AddWithValue("@id", id);
        using var reader = select.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException($"{Describe}: trial {id} of study '{study}' vanished inside its transaction.");
        return ReadTrialRow(reader);
    }

    private TrialRecord ReadTrialRow(SqliteDataReader r) => new()
    {
        Id = r.GetInt32(0),
        Parameters = Space.Parameters.FromJson(r.GetString(1)),
        Status = TrialStatusNames.Parse(r.GetString(2), Describe),
        Worker = r.IsDBNull(3) ? null : r.GetString(3),
        Heartbeat = r.IsDBNull(4) ? null : ParseTime(r.GetString(4)),
        Attempts = r.GetInt32(5),
        CreatedAt = ParseTime(r.GetString(6)),
        StartedAt = r.IsDBNull(7) ? null : ParseTime(r.GetString(7)),
        CompletedAt = r.IsDBNull(8) ? null : ParseTime(r.GetString(8)),
        DurationSeconds = r.IsDBNull(9) ? null : r.GetDouble(9),
        Metrics = r.IsDBNull(10) ? null : r.GetString(10),
        Rungs = r.IsDBNull(11) ? null : r.GetString(11),
        Error = r.IsDBNull(12) ? null : r.GetString(12),
    };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh pooled connection. SQLite errors about the file itself (not a database,
    /// cannot open, read-only, disk full) become one-line <see cref="StoreUnavailableException"/>s naming the file.
    /// </summary>
    private T Run<T>(Func<SqliteConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using (var pragmas = Command(connection, null, $"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA foreign_keys = ON;"))
                pragmas.ExecuteNonQuery();
            return work(connection);
        }
        catch (SqliteException e) when (IsFileProblem(e.SqliteErrorCode))
        {
            throw new StoreUnavailableException($"{Describe}: {FileProblem(e)}", e);
        }
    }

    // Primary result codes, https://www.sqlite.org/rescode.html: 26 SQLITE_NOTADB, 14 SQLITE_CANTOPEN, 8 SQLITE_READONLY,
    // 11 SQLITE_CORRUPT, 13 SQLITE_FULL, 10 SQLITE_IOERR, 23 SQLITE_AUTH, 5 SQLITE_BUSY (after the busy timeout).
    private static bool IsFileProblem(int code) => code is 26 or 14 or 8 or 11 or 13 or 10 or 23 or 5;

    private static string FileProblem(SqliteException e) => e.SqliteErrorCode switch
    {
        26 => "is not a SQLite database (a study store file is created by this program, or any .db path that does not exist yet).",
        14 => "cannot be opened (check the path is a file, not a folder, and that it is readable and writable).",
        8 => "is read-only; a study store needs write access.",
        11 => "is a corrupt SQLite database.",
        13 => "the disk is full.",
        5 => $"stayed locked by another process for {BusyTimeoutMs / 1000} s.",
        _ => OneLine(e.Message),
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    private static string Now() => Format(DateTimeOffset.UtcNow);

    /// <summary>UTC, fixed width ("2025-01-31T12:00:00.0000000Z"), so text order is time order.</summary>
    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
