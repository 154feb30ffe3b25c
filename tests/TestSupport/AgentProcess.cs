using System.Diagnostics;
using System.Globalization;

namespace TaskScheduler.TestSupport;

/// <summary>The real worker agent as a process, pointed at a SelfHost (or a proxy in front of it).</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly ProcessOutput _output = new();
    private readonly Process _process;

    private AgentProcess(Process process, string workerId)
    {
        _process = process;
        WorkerId = workerId;
        _output.Follow(_process);
    }

    public string WorkerId { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The agent's pid, e.g. to freeze it with SIGSTOP.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything kept of what the agent printed (the last 20,000 lines).</summary>
    public IReadOnlyList<string> Output => _output.Lines;

    public string RecentOutput => _output.Recent(80);

    /// <param name="apiKey">The agent's key (<c>Agent__ApiKey</c>): one with the <c>workers</c> scope.</param>
    public static AgentProcess Start(Uri apiBase, string queuePrefix, string apiKey, int slots = 2, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = RepoPaths.Output("WorkerAgent", "TaskScheduler.WorkerAgent.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The agent is not built: {dll} is missing.");
        }

        var workerId = "agent-" + Guid.NewGuid().ToString("N")[..8];
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("DOTNET_PROCESSOR_COUNT");
        start.Environment["Agent__ApiBaseUrl"] = apiBase.ToString();
        start.Environment["Agent__ApiKey"] = apiKey;
        start.Environment["Agent__QueuePrefix"] = queuePrefix;
        start.Environment["Agent__Slots"] = slots.ToString(CultureInfo.InvariantCulture);
        start.Environment["Agent__WorkerId"] = workerId;
        start.Environment["Agent__StopGraceSeconds"] = "1";
        start.Environment["Agent__MaxPollMilliseconds"] = "250";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__TaskScheduler"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        if (!start.Environment.ContainsKey("Agent__QueueConnection"))
        {
            start.Environment["Agent__QueueConnection"] = TestStorage.ConnectionString;
        }

        return new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException("the agent did not start"), workerId);
    }

    /// <summary>SIGKILL: the agent dies mid-task without a word (its commands are orphaned in their own groups).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, then wait for the agent to drain and exit.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
