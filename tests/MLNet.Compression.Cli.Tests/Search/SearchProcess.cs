using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MLNet.Compression.Cli.Tests.Search;

/// <summary>
/// A running `mlnet-compress search` whose output lines the test watches as they come, so that it can kill the process
/// (SIGKILL on Linux, the whole tree) at a chosen moment: during the sensitivity pass, after the Nth trial row, or while
/// the store shows it running a trial.
/// </summary>
public sealed partial class SearchProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _out = [];
    private readonly List<string> _err = [];
    private readonly object _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SearchProcess(string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mlnet-compress.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) { _out.Add(e.Data); Monitor.PulseAll(_gate); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _err.Add(e.Data); };
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Args = args;
    }

    public static SearchProcess Start(params string[] args) => new(args);

    public string[] Args { get; }

    /// <summary>The process id, which is the pid in the worker id the search stores ("host/pid/nonce").</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output { get { lock (_gate) return string.Join('\n', _out); } }

    public string Error { get { lock (_gate) return string.Join('\n', _err); } }

    /// <summary>The trial rows printed so far (one line per completed trial when the output is piped).</summary>
    public int TrialRows { get { lock (_gate) return _out.TakeWhile(l => l != "report split").Count(l => TrialRow().IsMatch(l)); } }

    [GeneratedRegex(@"^\s*\d+  \S")]
    private static partial Regex TrialRow();

    /// <summary>Waits until <paramref name="done"/> holds for the output lines; false when the process exits or the time runs out first.</summary>
    public bool WaitFor(Func<IReadOnlyList<string>, bool> done, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (!done(_out))
            {
                if (_process.HasExited || DateTime.UtcNow > end) return done(_out);
                Monitor.Wait(_gate, 20);
            }
            return true;
        }
    }

    public bool WaitForTrialRows(int rows, TimeSpan timeout) =>
        WaitFor(lines => lines.TakeWhile(l => l != "report split").Count(l => TrialRow().IsMatch(l)) >= rows, timeout);

    /// <summary>SIGKILL (the whole tree) and wait until the process is gone.</summary>
    public void Kill()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already exited */ }
        Assert.True(_process.WaitForExit(30_000), "the killed search did not exit");
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            Assert.Fail($"search did not finish in {timeout.TotalSeconds} s: {string.Join(' ', Args)}\n{Output}\n{Error}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Runs a search to its end: exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        int code = p.WaitForExit(timeout);
        return (code, p.Output, p.Error);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
