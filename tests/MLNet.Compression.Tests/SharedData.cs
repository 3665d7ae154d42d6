namespace MLNet.Compression.Tests;

/// <summary>Finds ../shared beside the repository root (or $MLNET_SHARED), where fixtures and data live.</summary>
public static class SharedData
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Fixture(params string[] parts) => Path.Combine([Root, "fixtures", .. parts]);

    public static string Data(params string[] parts) => Path.Combine([Root, "data", .. parts]);

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("MLNetCompression.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable("MLNET_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        string candidate = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        if (Directory.Exists(candidate)) return candidate;
        throw new DirectoryNotFoundException($"The shared fixtures folder was not found at {candidate}; set MLNET_SHARED.");
    }
}
