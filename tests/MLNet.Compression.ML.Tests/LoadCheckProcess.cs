using System.Diagnostics;

namespace MLNet.Compression.ML.Tests;

/// <summary>Runs the LoadCheck program as a second process, as an application that only loads the saved model would.</summary>
public static class LoadCheckProcess
{
    public static (int Code, string[] Lines, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MLNet.Compression.ML.LoadCheck.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(true); throw new TimeoutException("LoadCheck " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr.Result);
    }
}
