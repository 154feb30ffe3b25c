using System.Diagnostics;
using System.Net.Http.Headers;

namespace TaskScheduler.TestSupport;

/// <summary>
/// SelfHost as a real process on a free 127.0.0.1 port, on its own table/queue prefix in the test Azurite.
/// Can be killed with SIGKILL and started again on the same port and prefix, to test crashes.
/// It runs with a bootstrap admin key of its own (<see cref="AdminKey"/>), which <see cref="Client"/> sends by default.
/// </summary>
public sealed class SelfHostProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly ProcessOutput _output = new();
    private Process? _process;

    private SelfHostProcess(int port, string prefix, IReadOnlyDictionary<string, string>? settings)
    {
        Port = port;
        Prefix = prefix;
        AdminKey = "test-admin-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        _environment = new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["Scheduler__StoragePrefix"] = prefix,
            ["TaskHubName"] = prefix + "hub",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__TaskScheduler"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _environment[key] = value;
        }

        // The test Azurite unless the caller named the storage (the benchmarks start their own emulators).
        if (!_environment.TryGetValue("SchedulerStorage", out var storage))
        {
            storage = TestStorage.ConnectionString;
            _environment["SchedulerStorage"] = storage;
        }

        _environment.TryAdd("AzureWebJobsStorage", storage);
        Client = CreateClient($"ApiKey {AdminKey}");
    }

    public int Port { get; }

    public string Prefix { get; }

    /// <summary>A client of the API that authenticates with the bootstrap admin key.</summary>
    public HttpClient Client { get; }

    /// <summary>The bootstrap admin key this SelfHost runs with (<c>Auth__BootstrapAdminKey</c>).</summary>
    public string AdminKey { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public int? ProcessId => _process?.Id;

    /// <summary>Everything kept of what the process printed (the last 20,000 lines).</summary>
    public IReadOnlyList<string> Output => _output.Lines;

    /// <summary>The last lines SelfHost printed, for failure messages.</summary>
    public string RecentOutput => _output.Recent(60);

    /// <summary>A new client of this SelfHost that sends <paramref name="authorization"/> (none when null).</summary>
    public HttpClient CreateClient(string? authorization)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/api/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }

        return client;
    }

    public static async Task<SelfHostProcess> StartAsync(IReadOnlyDictionary<string, string>? settings = null, string? prefix = null)
    {
        var host = new SelfHostProcess(FreePort.Next(), prefix ?? TestStorage.NewPrefix(), settings);
        await host.StartAsync();
        return host;
    }

    public async Task StartAsync()
    {
        var dll = RepoPaths.Output("SelfHost", "TaskScheduler.SelfHost.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"SelfHost is not built: {dll} is missing. Build the solution first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{Port}" },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A test runner's tuning (e.g. DOTNET_PROCESSOR_COUNT for the in-memory Durable host) is not SelfHost's.
        start.Environment.Remove("DOTNET_PROCESSOR_COUNT");
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        _output.Follow(_process);

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"SelfHost exited with {_process.ExitCode}:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await Client.GetAsync("tasks?limit=1");
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"SelfHost did not answer within 60 s:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM: the graceful stop a service manager sends.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Client.Dispose();
    }
}
