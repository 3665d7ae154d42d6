using System.CommandLine;
using MLNet.Compression.AutoSearch.Storage;
using MLNet.Compression.Cli.Output;

namespace MLNet.Compression.Cli.Commands;

/// <summary>
/// `mlnet-compress search-status --storage URL [--study NAME]`: what a search's store holds, read-only. Without --study,
/// every study with its trial counts; with it, the study's header, each trial (status, worker, attempts, duration, plan and
/// its numbers) and the best feasible trial so far. Safe to run while workers are searching: it only reads. A SQLite file
/// that does not exist is an error, never a new empty store.
/// </summary>
public static class SearchStatusCommand
{
    private const string Where = "--storage";

    public static Command Create()
    {
        var storage = new Option<string>("--storage") { Description = "The search's store: sqlite:FILE (a search's OUT/study.db) or postgres://user:pass@host:port/db.", Required = true };
        var study = new Option<string>("--study") { Description = "The study to show; without it, every study in the store with its trial counts." };
        var cmd = new Command("search-status", "Show the studies of a search store, or one study's trials and its best feasible trial so far (read-only).") { storage, study };
        cmd.SetAction(r => CliErrors.Run(() => Run(r.GetValue(storage)!, r.GetValue(study))));
        return cmd;
    }

    private static int Run(string url, string? study)
    {
        try
        {
            using var store = Open(url);
            var studies = store.Studies();
            if (study is null)
            {
                SearchStatusTable.ShowStudies(store.Describe, studies.Select(s => (s, store.Trials(s.Name))).ToList());
                return 0;
            }
            var info = store.FindStudy(study) ?? throw new UsageException(UnknownStudy(study, store, studies));
            SearchStatusTable.ShowStudy(store.Describe, info, store.Trials(info.Name));
            return 0;
        }
        catch (StoreUnavailableException e) { throw new UsageException(e.Message, e); }
    }

    /// <summary>Opens the store without creating anything: a SQLite file must already exist.</summary>
    private static IStudyStore Open(string url)
    {
        try
        {
            if (StudyStores.SqlitePath(url, Where) is { } file && !File.Exists(file))
                throw new UsageException($"{Where}: {file} does not exist (search-status only reads a store; `search` creates one).");
            return StudyStores.Open(url, Where);
        }
        catch (ArgumentException e) { throw new UsageException(e.Message, e); }
    }

    /// <summary>"--study: no study "x" in sqlite:/a.db; it has: search (20 trials), b (3 trials)."</summary>
    private static string UnknownStudy(string name, IStudyStore store, IReadOnlyList<StudyInfo> studies)
    {
        string known = studies.Count == 0 ? "it has no studies yet"
            : "it has: " + string.Join(", ", studies.Select(s => $"{s.Name} ({store.Trials(s.Name).Count} trials)"));
        return $"--study: no study \"{name}\" in {store.Describe}; {known}.";
    }
}
