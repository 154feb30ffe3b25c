using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Operations.Tests;

/// <summary>
/// <c>scripts/run.sh</c> as a user runs it, in a process group of its own (as a terminal's foreground job), on
/// ports and a data folder of its own so it never meets the developer's local system (7071, 10000-10002, .azurite/).
/// </summary>
internal sealed partial class RunScriptProcess : IAsyncDisposable
{
    private readonly ProcessOutput _output = new();
    private readonly Process _process;

    private RunScriptProcess(Process process, Uri api)
    {
        _process = process;
        ApiBase = api;
        _output.Follow(_process);
    }

    public Uri ApiBase { get; }

    public string AdminKey { get; private set; } = string.Empty;

    public IReadOnlyList<string> Output => _output.Lines;

    public string RecentOutput => _output.Recent(120);

    /// <summary>The PIDs run.sh printed (so far) for its two emulators, SelfHost and the agent.</summary>
    public IReadOnlyDictionary<string, int> Children =>
        new[] { ("Azurite", AzuritePid()), ("the task hub's Azurite", HubAzuritePid()), ("SelfHost", SelfHostPid()), ("agent", AgentPid()) }
            .Select(child => (child.Item1, Match: Output.Select(line => child.Item2.Match(line)).FirstOrDefault(m => m.Success)))
            .Where(child => child.Match is not null)
            .ToDictionary(child => child.Item1, child => int.Parse(child.Match!.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>Starts run.sh and waits (with a deadline) until it prints the API key.</summary>
    public static async Task<RunScriptProcess> StartAsync(RunScriptSettings settings, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("setsid")
        {
            // setsid: a group of its own (run.sh's PID is the group's id), as a terminal gives its foreground job.
            // env --default-signal=INT: bash cannot trap a SIGINT its parent ignored (a shell's background job).
            ArgumentList = { "env", "--default-signal=INT", Path.Combine(RepoPaths.Root, "scripts", "run.sh") },
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // run.sh runs the Release build; the suite's own build (scripts/test.sh) is Release and already done.
        if (RepoPaths.Configuration == "Release")
        {
            start.ArgumentList.Add("--no-build");
        }

        start.Environment.Remove("DOTNET_PROCESSOR_COUNT");
        start.Environment["TASKSCHEDULER_DATA"] = settings.DataFolder;
        start.Environment["TASKSCHEDULER_AZURITE_PORTS"] = string.Join(' ', settings.AzuritePorts);
        start.Environment["TASKSCHEDULER_HUB_AZURITE_PORTS"] = string.Join(' ', settings.HubAzuritePorts);
        start.Environment["TASKSCHEDULER_URL"] = settings.Url.ToString().TrimEnd('/');
        var run = new RunScriptProcess(Process.Start(start) ?? throw new InvalidOperationException("setsid did not start"), new Uri(settings.Url, "api/"));
        try
        {
            await run.WaitUntilReadyAsync(timeout);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = ApiBase, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"ApiKey {AdminKey}");
        return client;
    }

    /// <summary>
    /// Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group. Returns how long run.sh took to
    /// exit (its children, which write to its output, gone too) and its exit code; fails after <paramref name="timeout"/>.
    /// </summary>
    public async Task<(TimeSpan Elapsed, int ExitCode)> InterruptAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await SignalGroupAsync("INT");
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"run.sh did not stop within {timeout.TotalSeconds} s of SIGINT:{Environment.NewLine}{RecentOutput}");
        }

        return (clock.Elapsed, _process.ExitCode);
    }

    /// <summary>The children that still exist (after run.sh has gone there should be none).</summary>
    public IEnumerable<string> LiveChildren() => Children.Where(child => IsAlive(child.Value)).Select(child => $"{child.Key} (pid {child.Value})");

    public async ValueTask DisposeAsync()
    {
        // Only what this run started: run.sh's group, then the children it printed (each in a session of its own).
        if (!_process.HasExited)
        {
            await SignalGroupAsync("KILL");
        }

        foreach (var pid in Children.Values.Where(IsAlive))
        {
            try
            {
                using var child = Process.GetProcessById(pid);
                child.Kill();
            }
            catch (ArgumentException)
            {
                // Gone already.
            }
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // no such process (FileNotFound and DirectoryNotFound are IOExceptions)
        }
    }

    private async Task SignalGroupAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", "--", "-" + _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        try
        {
            await Poll.UntilAsync(
                () => Task.FromResult(_process.HasExited || Output.Any(line => line.StartsWith("Press Ctrl-C", StringComparison.Ordinal))),
                done => done,
                timeout,
                "run.sh to print \"Press Ctrl-C to stop.\"");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{RecentOutput}", e);
        }

        if (_process.HasExited)
        {
            await _process.WaitForExitAsync(); // and for the last of its output
            throw new InvalidOperationException($"run.sh exited with {_process.ExitCode} during start-up:{Environment.NewLine}{RecentOutput}");
        }

        AdminKey = Output.Single(line => line.StartsWith("API key: ", StringComparison.Ordinal))["API key: ".Length..];
        if (Children.Count != 4)
        {
            throw new InvalidOperationException($"run.sh did not print the PIDs of both emulators, SelfHost and the agent:{Environment.NewLine}{RecentOutput}");
        }
    }

    [GeneratedRegex(@"^[0-9:]+ Azurite ready \(pid (\d+)")]
    private static partial Regex AzuritePid();

    [GeneratedRegex(@"task hub's Azurite ready \(pid (\d+)")]
    private static partial Regex HubAzuritePid();

    [GeneratedRegex(@"SelfHost ready \(pid (\d+)")]
    private static partial Regex SelfHostPid();

    [GeneratedRegex(@"worker agent started \(pid (\d+)")]
    private static partial Regex AgentPid();
}

/// <summary>Where a run.sh under test keeps its data and listens.</summary>
internal sealed record RunScriptSettings(string DataFolder, IReadOnlyList<int> AzuritePorts, IReadOnlyList<int> HubAzuritePorts, Uri Url);
