using System.Diagnostics;

namespace MLNet.Compression.Cli.Tests;

/// <summary>Runs the built mlnet-compress tool as a separate process, as a user would.</summary>
public static class CliProcess
{
    public static string Shared
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("MLNET_SHARED");
            if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MLNetCompression.sln"))) dir = dir.Parent;
            return Path.GetFullPath(Path.Combine(dir!.FullName, "..", "shared"));
        }
    }

    public static string Fixture(string arch) => Path.Combine(Shared, "fixtures", "models", arch);

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlnet-compress.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); throw new TimeoutException("mlnet-compress " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
