using System.Data;
using System.Globalization;
using Npgsql;

namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// A study store in a PostgreSQL database that workers on several machines share.
/// <para>
/// Claim is one READ COMMITTED transaction that first locks the study's row (<c>SELECT … FOR UPDATE</c>), so claims of
/// one study run one at a time: the count of trials cannot change between reading it and inserting trial number
/// "count", which keeps ids dense and the total at exactly maxTrials. The trial to take back is then picked with
/// <c>FOR UPDATE SKIP LOCKED</c>, which passes over a row another transaction holds (a heartbeat or completion in
/// flight) instead of waiting on it (https://www.postgresql.org/docs/current/sql-select.html#SQL-FOR-UPDATE-SHARE).
/// </para>
/// <para>
/// Every time is the server's clock (<c>now()</c>, or <c>statement_timestamp()</c> inside Claim, which may have waited
/// for the study lock; https://www.postgresql.org/docs/current/functions-datetime.html#FUNCTIONS-DATETIME-CURRENT), so
/// workers whose clocks disagree still agree on whose heartbeat has expired.
/// JSON columns are <c>text</c>, not <c>jsonb</c>: jsonb rewrites key order and spacing, and the store keeps what it is
/// given byte for byte (canonical parameter JSON included).
/// </para>
/// Each call takes a connection from an <see cref="NpgsqlDataSource"/> pool and returns it at once, so one instance is
/// safe to use from a worker thread and a heartbeat timer at once.
/// </summary>
public sealed class PostgresStudyStore : IStudyStore
{
    /// <summary>The schema this build writes and reads (the store_meta row 'schema_version').</summary>
    public const int SchemaVersion = 1;

    // Any constant works as the advisory-lock key; it only has to be the same in every worker.
    private const long SchemaLockKey = 0x4d4c4e6574_5354;

    private const string Schema = $"""
        CREATE TABLE store_meta(key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE studies(
            name text PRIMARY KEY,
            space_hash text NOT NULL,
            model_hash text NOT NULL,
            definition text NOT NULL,
            created_at timestamptz NOT NULL);
        CREATE TABLE trials(
            study text NOT NULL REFERENCES studies(name),
            id integer NOT NULL,
            parameters text NOT NULL,
            params_hash text NOT NULL,
            status text NOT NULL CHECK (status IN ({TrialStatusNames.CheckList})),
            worker text,
            heartbeat timestamptz,
            attempts integer NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL,
            started_at timestamptz,
            completed_at timestamptz,
            duration_seconds double precision,
            metrics text,
            rungs text,
            error text,
            PRIMARY KEY (study, id),
            UNIQUE (study, params_hash));
        CREATE INDEX trials_by_status ON trials(study, status);
        CREATE TABLE blobs(
            study text NOT NULL,
            key text NOT NULL,
            value text NOT NULL,
            PRIMARY KEY (study, key));
        """;

    private const string TrialColumns =
        "id, parameters, status, worker, heartbeat, attempts, created_at, started_at, completed_at, duration_seconds, metrics, rungs, error";

    private readonly NpgsqlDataSource _source;
    private readonly string? _password;
    private volatile bool _disposed;

    /// <summary>
    /// Connects to the database <paramref name="url"/> names (postgres://user:pass@host:port/db, see
    /// <see cref="StudyStores"/>) and creates the schema when absent. Throws <see cref="ArgumentException"/> for a URL that
    /// does not parse and <see cref="StoreUnavailableException"/> when the server cannot be reached or refuses the login.
    /// </summary>
    public PostgresStudyStore(string url) : this(ParsePostgres(url), StorageUrl.Describe(url)) { }

    internal PostgresStudyStore(NpgsqlConnectionStringBuilder settings, string describe)
    {
        Describe = describe;
        _password = settings.Password;
        _source = NpgsqlDataSource.Create(settings.ConnectionString);
        try
        {
            Run(connection =>
            {
                using var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
                EnsureSchema(connection, tx);
                tx.Commit();
                return 0;
            });
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public string Describe { get; }

    /// <inheritdoc />
    public StudyInfo OpenStudy(StudyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrEmpty(definition.Name);
        return Run(connection =>
        {
            // ON CONFLICT DO NOTHING: two workers opening a new study at once both succeed, and both then read the one row.
            using (var insert = Command(connection, null,
                "INSERT INTO studies(name, space_hash, model_hash, definition, created_at) VALUES (@name, @space, @model, @definition, now()) ON CONFLICT (name) DO NOTHING"))
            {
                insert.Parameters.AddWithValue("name", definition.Name);
                insert.Parameters.AddWithValue("space", definition.SpaceHash);
                insert.Parameters.AddWithValue("model", definition.ModelHash);
                insert.Parameters.AddWithValue("definition", definition.DefinitionJson);
                insert.ExecuteNonQuery();
            }
            var stored = ReadStudy(connection, null, definition.Name, forUpdate: false)
                ?? throw new InvalidOperationException($"{Describe}: study '{definition.Name}' vanished right after it was created.");
            StudyMismatch.ThrowIfDiffers(Describe, stored, definition);
            return stored;
        });
    }

    /// <inheritdoc />
    public StudyInfo? FindStudy(string name) => Run(connection => ReadStudy(connection, null, name, forUpdate: false));

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
    /// Takes the lowest-id trial that is queued or running under a dead worker, before creating a new one; see the class
    /// remarks for the locking.
    /// </remarks>
    public TrialRecord? Claim(string study, string worker, int maxTrials, TimeSpan heartbeatTimeout, Func<int, IReadOnlyList<TrialRecord>, Space.Parameters> propose)
    {
        ClaimRules.CheckArguments(study, worker, maxTrials, heartbeatTimeout);
        ArgumentNullException.ThrowIfNull(propose);
        return Run(connection =>
        {
            using var tx = connection.BeginTransaction(IsolationLevel.ReadCommitted);
            if (ReadStudy(connection, tx, study, forUpdate: true) is null) throw ClaimRules.UnknownStudy(Describe, study);
            var claimed = ReclaimOrTakeQueued(connection, tx, study, worker, heartbeatTimeout)
                ?? CreateTrial(connection, tx, study, worker, maxTrials, propose);
            tx.Commit();
            return claimed;
        });
    }

    private TrialRecord? ReclaimOrTakeQueued(NpgsqlConnection connection, NpgsqlTransaction tx, string study, string worker, TimeSpan heartbeatTimeout)
    {
        var running = new List<string>();
        using (var workers = Command(connection, tx, "SELECT DISTINCT worker FROM trials WHERE study = @study AND status = 'running' AND worker IS NOT NULL"))
        {
            workers.Parameters.AddWithValue("study", study);
            using var reader = workers.ExecuteReader();
            while (reader.Read()) running.Add(reader.GetString(0));
        }
        string[] dead = ClaimRules.DeadOnThisHost(running);

        int? id;
        using (var pick = Command(connection, tx,
            "SELECT id FROM trials WHERE study = @study AND (status = 'queued' OR (status = 'running' AND " +
            "(heartbeat IS NULL OR heartbeat < statement_timestamp() - @timeout OR worker = ANY(@dead)))) " +
            "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"))
        {
            pick.Parameters.AddWithValue("study", study);
            pick.Parameters.AddWithValue("timeout", heartbeatTimeout); // TimeSpan is sent as an interval
            pick.Parameters.AddWithValue("dead", dead);
            id = pick.ExecuteScalar() is int found ? found : null;
        }
        if (id is null) return null;
        using var take = Command(connection, tx,
            "UPDATE trials SET status = 'running', worker = @worker, heartbeat = statement_timestamp(), started_at = statement_timestamp(), " +
            $"attempts = attempts + 1 WHERE study = @study AND id = @id RETURNING {TrialColumns}");
        take.Parameters.AddWithValue("worker", worker);
        take.Parameters.AddWithValue("study", study);
        take.Parameters.AddWithValue("id", id.Value);
        return ReadOne(take, study, id.Value);
    }

    private TrialRecord? CreateTrial(NpgsqlConnection connection, NpgsqlTransaction tx, string study, string worker, int maxTrials,
        Func<int, IReadOnlyList<TrialRecord>, Space.Parameters> propose)
    {
        var all = ReadTrials(connection, tx, study);
        if (all.Count >= maxTrials) return null;
        int newId = all.Count;
        var parameters = propose(newId, all) ?? throw new InvalidOperationException($"study '{study}': the tuner proposed no parameters for trial {newId}.");
        string hash = parameters.Hash();
        using (var existing = Command(connection, tx, "SELECT id FROM trials WHERE study = @study AND params_hash = @hash"))
        {
            existing.Parameters.AddWithValue("study", study);
            existing.Parameters.AddWithValue("hash", hash);
            if (existing.ExecuteScalar() is int existingId) throw ClaimRules.DuplicateProposal(study, newId, parameters, existingId);
        }
        using var insert = Command(connection, tx,
            "INSERT INTO trials(study, id, parameters, params_hash, status, worker, heartbeat, attempts, created_at, started_at) " +
            "VALUES (@study, @id, @parameters, @hash, 'running', @worker, statement_timestamp(), 1, statement_timestamp(), statement_timestamp()) " +
            $"RETURNING {TrialColumns}");
        insert.Parameters.AddWithValue("study", study);
        insert.Parameters.AddWithValue("id", newId);
        insert.Parameters.AddWithValue("parameters", parameters.ToJson());
        insert.Parameters.AddWithValue("hash", hash);
        insert.Parameters.AddWithValue("worker", worker);
        return ReadOne(insert, study, newId);
    }

    /// <inheritdoc />
    public bool Heartbeat(string study, int trialId, string worker) =>
        UpdateOwned(study, trialId, worker, "heartbeat = now()", _ => { });

    /// <inheritdoc />
    public bool ReportRungs(string study, int trialId, string worker, string rungsJson)
    {
        ArgumentNullException.ThrowIfNull(rungsJson);
        return UpdateOwned(study, trialId, worker, "rungs = @rungs, heartbeat = now()", p => p.AddWithValue("rungs", rungsJson));
    }

    /// <inheritdoc />
    public bool Complete(string study, int trialId, string worker, TrialStatus status, string? metricsJson, string? error, double durationSeconds)
    {
        string final = TrialStatusNames.ToFinalText(status);
        return UpdateOwned(study, trialId, worker,
            "status = @status, metrics = @metrics, error = @error, duration_seconds = @duration, completed_at = now(), heartbeat = now()",
            p =>
            {
                p.AddWithValue("status", final);
                p.AddWithValue("metrics", (object?)metricsJson ?? DBNull.Value);
                p.AddWithValue("error", (object?)error ?? DBNull.Value);
                p.AddWithValue("duration", double.IsFinite(durationSeconds) ? durationSeconds : DBNull.Value);
            });
    }

    /// <inheritdoc />
    public bool Release(string study, int trialId, string worker)
        => UpdateOwned(study, trialId, worker, "status = 'queued', worker = NULL, heartbeat = now()", _ => { });

    /// <summary>One UPDATE of a trial (its own transaction), applied only while <paramref name="worker"/> owns it and it runs.</summary>
    private bool UpdateOwned(string study, int trialId, string worker, string set, Action<NpgsqlParameterCollection> bind) => Run(connection =>
    {
        using var update = Command(connection, null,
            $"UPDATE trials SET {set} WHERE study = @study AND id = @id AND status = 'running' AND worker = @worker");
        update.Parameters.AddWithValue("study", study);
        update.Parameters.AddWithValue("id", trialId);
        update.Parameters.AddWithValue("worker", worker);
        bind(update.Parameters);
        return update.ExecuteNonQuery() == 1;
    });

    /// <inheritdoc />
    public string? GetBlob(string study, string key) => Run(connection =>
    {
        using var select = Command(connection, null, "SELECT value FROM blobs WHERE study = @study AND key = @key");
        select.Parameters.AddWithValue("study", study);
        select.Parameters.AddWithValue("key", key);
        return select.ExecuteScalar() as string;
    });

    /// <inheritdoc />
    public string PutBlobIfAbsent(string study, string key, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Run(connection =>
        {
            // Two statements, each with its own snapshot: when another worker's insert wins the race, ON CONFLICT waits
            // for it to commit, and the SELECT after it (a new snapshot under READ COMMITTED) then sees that value.
            using (var insert = Command(connection, null, "INSERT INTO blobs(study, key, value) VALUES (@study, @key, @value) ON CONFLICT (study, key) DO NOTHING"))
            {
                insert.Parameters.AddWithValue("study", study);
                insert.Parameters.AddWithValue("key", key);
                insert.Parameters.AddWithValue("value", json);
                insert.ExecuteNonQuery();
            }
            using var select = Command(connection, null, "SELECT value FROM blobs WHERE study = @study AND key = @key");
            select.Parameters.AddWithValue("study", study);
            select.Parameters.AddWithValue("key", key);
            return (string)select.ExecuteScalar()!;
        });
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _source.Dispose();
    }

    /// <summary>
    /// Creates the tables in an empty database, or checks the schema version of an existing store. A transaction-level
    /// advisory lock (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS) makes workers that
    /// start together create the schema once instead of failing on each other's CREATE TABLE.
    /// </summary>
    private void EnsureSchema(NpgsqlConnection connection, NpgsqlTransaction tx)
    {
        using (var lockSchema = Command(connection, tx, "SELECT pg_advisory_xact_lock(@key)"))
        {
            lockSchema.Parameters.AddWithValue("key", SchemaLockKey);
            lockSchema.ExecuteNonQuery();
        }
        var present = new List<string>();
        using (var tables = Command(connection, tx,
            "SELECT t FROM unnest(ARRAY['store_meta', 'studies', 'trials', 'blobs']) AS t WHERE to_regclass(quote_ident(t)) IS NOT NULL ORDER BY t"))
        using (var reader = tables.ExecuteReader())
            while (reader.Read()) present.Add(reader.GetString(0));
        if (present.Count == 0)
        {
            using (var create = Command(connection, tx, Schema)) create.ExecuteNonQuery();
            using var version = Command(connection, tx, "INSERT INTO store_meta(key, value) VALUES ('schema_version', @version)");
            version.Parameters.AddWithValue("version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            version.ExecuteNonQuery();
            return;
        }
        if (!present.Contains("store_meta"))
            throw new StoreUnavailableException(
                $"{Describe}: the database has tables {string.Join(", ", present)} of another program, not a study store; use another database.");
        using var read = Command(connection, tx, "SELECT value FROM store_meta WHERE key = 'schema_version'");
        var found = read.ExecuteScalar() as string;
        if (found != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            throw new StoreUnavailableException($"{Describe}: study store schema version {found ?? "(none)"}; this build reads version {SchemaVersion}.");
    }

    private StudyInfo? ReadStudy(NpgsqlConnection connection, NpgsqlTransaction? tx, string name, bool forUpdate)
    {
        using var select = Command(connection, tx,
            "SELECT name, space_hash, model_hash, definition, created_at FROM studies WHERE name = @name" + (forUpdate ? " FOR UPDATE" : ""));
        select.Parameters.AddWithValue("name", name);
        using var reader = select.ExecuteReader();
        return reader.Read() ? ReadStudyRow(reader) : null;
    }

    private static StudyInfo ReadStudyRow(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4));

    private List<TrialRecord> ReadTrials(NpgsqlConnection connection, NpgsqlTransaction? tx, string study)
    {
        using var select = Command(connection, tx, $"SELECT {TrialColumns} FROM trials WHERE study = @study ORDER BY id");
        select.Parameters.AddWithValue("study", study);
        using var reader = select.ExecuteReader();
        var trials = new List<TrialRecord>();
        while (reader.Read()) trials.Add(ReadTrialRow(reader));
        return trials;
    }

    private TrialRecord ReadOne(NpgsqlCommand command, string study, int id)
    {
        using var reader = command.ExecuteReader();
        if (!reader.Read()) throw new InvalidOperationException($"{Describe}: trial {id} of study '{study}' vanished inside its transaction.");
        return ReadTrialRow(reader);
    }

    private TrialRecord ReadTrialRow(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt32(0),
        Parameters = Space.Parameters.FromJson(r.GetString(1)),
        Status = TrialStatusNames.Parse(r.GetString(2), Describe),
        Worker = r.IsDBNull(3) ? null : r.GetString(3),
        Heartbeat = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
        Attempts = r.GetInt32(5),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(6),
        StartedAt = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
        CompletedAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        DurationSeconds = r.IsDBNull(9) ? null : r.GetDouble(9),
        Metrics = r.IsDBNull(10) ? null : r.GetString(10),
        Rungs = r.IsDBNull(11) ? null : r.GetString(11),
        Error = r.IsDBNull(12) ? null : r.GetString(12),
    };

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql) => new(sql, connection, tx);

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection. A failure to connect (server down, unreachable host, wrong
    /// password, unknown database) or a connection lost mid-call becomes a one-line <see cref="StoreUnavailableException"/>
    /// naming the URL without its password; SQL errors (a bug) pass through.
    /// </summary>
    private T Run<T>(Func<NpgsqlConnection, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        NpgsqlConnection connection;
        try
        {
            connection = _source.OpenConnection();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or IOException)
        {
            throw new StoreUnavailableException($"{Describe}: cannot connect ({Reason(e)})", e);
        }
        using (connection)
        {
            try
            {
                return work(connection);
            }
            catch (PostgresException e) when (IsConnectionProblem(e.SqlState))
            {
                throw new StoreUnavailableException($"{Describe}: the server ended the connection ({Reason(e)})", e);
            }
            catch (NpgsqlException e) when (e is not PostgresException)
            {
                throw new StoreUnavailableException($"{Describe}: lost the connection ({Reason(e)})", e);
            }
        }
    }

    // SQLSTATE classes, https://www.postgresql.org/docs/current/errcodes-appendix.html: 08 connection exception,
    // 57P01-57P03 the server shutting down or not yet accepting connections, 53 insufficient resources.
    private static bool IsConnectionProblem(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" || state.StartsWith("53", StringComparison.Ordinal);

    /// <summary>The server's own message, or the chain of client messages ("Failed to connect to …: Connection refused"), on one line and without the password.</summary>
    private string Reason(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
        {
            var text = (x is PostgresException pg ? pg.MessageText : x.Message).ReplaceLineEndings(" ").Trim();
            if (text.Length > 0 && !parts.Any(p => p.Contains(text, StringComparison.Ordinal))) parts.Add(text);
        }
        var reason = string.Join(": ", parts);
        return string.IsNullOrEmpty(_password) ? reason : reason.Replace(_password, "***", StringComparison.Ordinal);
    }

    private static NpgsqlConnectionStringBuilder ParsePostgres(string url)
    {
        var parsed = StorageUrl.Parse(url, "PostgreSQL URL");
        return parsed.Postgres ?? throw new ArgumentException($"PostgreSQL URL: '{parsed.Description}' is not a postgres:// URL; expected postgres://user:pass@host:5432/db.");
    }
}
