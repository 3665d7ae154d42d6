using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace MLNet.Compression.AutoSearch.Storage;

/// <summary>
/// A parsed storage URL: a SQLite file path, or PostgreSQL connection settings. Accepted forms:
/// <c>sqlite:PATH</c>, <c>sqlite:///abs/path</c>, a bare path ending in .db, .sqlite or .sqlite3;
/// <c>postgres://user:pass@host:port/db</c> or <c>postgresql://…</c> (libpq's URI form,
/// https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS) with options
/// <c>?sslmode=…&amp;connect_timeout=…&amp;application_name=…&amp;host=…&amp;port=…&amp;user=…&amp;password=…&amp;dbname=…</c>;
/// a Unix socket as <c>postgres:///db?host=/var/run/postgresql</c> or <c>postgres://user@/db?host=/var/run/postgresql</c>.
/// </summary>
internal sealed partial class StorageUrl
{
    private const string Expected =
        "expected sqlite:PATH, sqlite:///abs/path, a path ending in .db or .sqlite, or postgres://user:pass@host:5432/db " +
        "(postgresql:// too; options such as ?sslmode=disable; a Unix socket as postgres:///db?host=/var/run/postgresql)";

    private static readonly string[] SqliteExtensions = [".db", ".sqlite", ".sqlite3"];

    private StorageUrl(string? sqlitePath, NpgsqlConnectionStringBuilder? postgres, string description)
    {
        SqlitePath = sqlitePath;
        Postgres = postgres;
        Description = description;
    }

    /// <summary>The SQLite file, for a SQLite URL; else null.</summary>
    public string? SqlitePath { get; }

    /// <summary>The connection settings, for a PostgreSQL URL; else null.</summary>
    public NpgsqlConnectionStringBuilder? Postgres { get; }

    /// <summary>The URL as messages show it: "sqlite:/abs/path.db" or "postgres://user@host:5432/db", never a password.</summary>
    public string Description { get; }

    /// <summary>
    /// Parses <paramref name="url"/>; a URL that does not parse throws <see cref="ArgumentException"/> whose one-line
    /// message starts with <paramref name="where"/> (the option or field that held it, e.g. "--storage").
    /// </summary>
    public static StorageUrl Parse(string? url, string where)
    {
        var text = url?.Trim() ?? "";
        if (text.Length == 0) throw Bad(where, text, "it is empty");
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) return ParseSqlite(text, where);
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return ParsePostgres(text, where);
        if (!text.Contains("://", StringComparison.Ordinal) && SqliteExtensions.Any(e => text.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            return Sqlite(text);
        throw Bad(where, text, "unknown form");
    }

    /// <summary>
    /// <paramref name="url"/> with any password replaced by "***": the description of a URL that parses, else the text
    /// itself masked, so even a malformed URL never shows its password.
    /// </summary>
    public static string Describe(string? url)
    {
        try { return Parse(url, "url").Description; }
        catch (ArgumentException) { return Mask(url ?? ""); }
    }

    private static StorageUrl ParseSqlite(string text, string where)
    {
        var rest = text["sqlite:".Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            // sqlite:///abs/path: an empty host, then the absolute path; a host (sqlite://server/x) means nothing here.
            if (!rest.StartsWith("///", StringComparison.Ordinal)) throw Bad(where, text, "a sqlite URL has no host; write sqlite:///abs/path or sqlite:relative/path");
            rest = rest[2..];
            if (rest.Length >= 3 && rest[2] == ':' && char.IsAsciiLetter(rest[1])) rest = rest[1..]; // sqlite:///C:/x.db
        }
        if (rest.Length == 0 || rest == "/") throw Bad(where, text, "no file path after sqlite:");
        return Sqlite(rest);
    }

    private static StorageUrl Sqlite(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        var full = Path.GetFullPath(path);
        return new StorageUrl(full, null, "sqlite:" + full);
    }

    private static StorageUrl ParsePostgres(string text, string where)
    {
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];
        string query = "";
        int q = rest.IndexOf('?');
        if (q >= 0) { query = rest[(q + 1)..]; rest = rest[..q]; }
        int slash = rest.IndexOf('/');
        string authority = slash >= 0 ? rest[..slash] : rest;
        string path = slash >= 0 ? rest[(slash + 1)..] : "";

        string? user = null, password = null, host = null, database = null;
        int? port = null;
        int at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = authority[..at];
            int colon = userInfo.IndexOf(':');
            user = Unescape(colon >= 0 ? userInfo[..colon] : userInfo, where, text);
            if (colon >= 0) password = Unescape(userInfo[(colon + 1)..], where, text);
            authority = authority[(at + 1)..];
        }
        if (authority.Length > 0)
        {
            if (authority.StartsWith('['))
            {
                int close = authority.IndexOf(']');
                if (close < 0) throw Bad(where, text, "an IPv6 host lacks its closing ']'");
                host = authority[1..close];
                var after = authority[(close + 1)..];
                if (after.Length > 0)
                {
                    if (!after.StartsWith(':')) throw Bad(where, text, $"unexpected '{after}' after the IPv6 host");
                    port = ParsePort(after[1..], where, text);
                }
            }
            else if (authority.Contains(','))
                host = authority; // several hosts "h1:5432,h2:5433": Npgsql reads the same list in its Host setting.
            else
            {
                int colon = authority.LastIndexOf(':');
                if (colon >= 0) { port = ParsePort(authority[(colon + 1)..], where, text); authority = authority[..colon]; }
                host = Unescape(authority, where, text);
                if (host.Length == 0) host = null;
            }
        }
        if (path.Length > 0) database = Unescape(path, where, text);

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0) throw Bad(where, text, $"option '{pair}' is not name=value");
            options[Unescape(pair[..eq], where, text)] = Unescape(pair[(eq + 1)..], where, text);
        }
        var builder = new NpgsqlConnectionStringBuilder { ApplicationName = "mlnet-autosearch", Timeout = 10 };
        foreach (var (name, value) in options)
        {
            switch (name)
            {
                case "host": host = value; break;
                case "port": port = ParsePort(value, where, text); break;
                case "user": user = value; break;
                case "password": password = value; break;
                case "dbname": database = value; break;
                case "sslmode": builder.SslMode = ParseSslMode(value, where, text); break;
                case "connect_timeout":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds) || seconds > 3600)
                        throw Bad(where, text, $"connect_timeout '{value}' is not a number of seconds");
                    builder.Timeout = seconds;
                    break;
                case "application_name": builder.ApplicationName = value; break;
                default:
                    throw Bad(where, text, $"unknown option '{name}' (known: host, port, user, password, dbname, sslmode, connect_timeout, application_name)");
            }
        }
        if (string.IsNullOrEmpty(host)) throw Bad(where, text, "no host; give host:port, or a socket folder as ?host=/var/run/postgresql");
        if (string.IsNullOrEmpty(database)) throw Bad(where, text, "no database name after the host (…/dbname)");
        if (database.Contains('/')) throw Bad(where, text, $"database name '{database}' contains '/'");

        builder.Host = host;
        if (port is not null) builder.Port = port.Value;
        builder.Database = database;
        if (!string.IsNullOrEmpty(user)) builder.Username = user;
        if (password is not null) builder.Password = password;

        bool socket = host.StartsWith('/');
        var shown = new System.Text.StringBuilder("postgres://");
        if (!string.IsNullOrEmpty(user)) shown.Append(user).Append('@');
        if (!socket) shown.Append(host.Contains(':') && !host.Contains(',') ? $"[{host}]" : host).Append(host.Contains(',') ? "" : $":{builder.Port}");
        shown.Append('/').Append(database);
        if (socket) shown.Append("?host=").Append(host);
        return new StorageUrl(null, builder, shown.ToString());
    }

    private static int ParsePort(string text, string where, string url) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535
            ? port
            : throw Bad(where, url, $"port '{text}' is not a number from 1 to 65535");

    private static SslMode ParseSslMode(string value, string where, string url) => value switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "prefer" => SslMode.Prefer,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => throw Bad(where, url, $"sslmode '{value}' is not disable, allow, prefer, require, verify-ca or verify-full"),
    };

    private static string Unescape(string text, string where, string url)
    {
        try { return Uri.UnescapeDataString(text); }
        catch (UriFormatException) { throw Bad(where, url, $"'{Mask(text)}' has a bad %-escape"); }
    }

    private static ArgumentException Bad(string where, string url, string reason) =>
        new($"{where}: '{Mask(url)}' is not a storage URL ({reason}); {Expected}.");

    /// <summary>Hides the password of "scheme://user:password@…" and of a "password=" option in raw text.</summary>
    private static string Mask(string url) =>
        PasswordOption().Replace(UserInfoPassword().Replace(url.ReplaceLineEndings(" "), "$1***@"), "$1***");

    [GeneratedRegex(@"(://[^:/@?]*:)[^@/?]*@")]
    private static partial Regex UserInfoPassword();

    [GeneratedRegex(@"([?&]password=)[^&]*", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordOption();
}
