using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>
/// The system one step measures, started by the step and stopped at its end: SelfHost (tests/TestSupport's
/// <see cref="SelfHostProcess"/>) on <see cref="BenchOptions.Prefix"/> with the product's defaults but the engine's poll
/// cap, a bootstrap admin key on a tier that never throttles, and the given settings; optionally real agents
/// (<see cref="AgentProcess"/>) and the counting proxy between them and Azurite. Their output goes to the results folder.
/// </summary>
public sealed partial class BenchSystem : IAsyncDisposable
{
    private readonly BenchOptions _options;
    private readonly List<AgentProcess> _agents = [];

    private BenchSystem(BenchOptions options, SelfHostProcess? host, CountingProxy? proxy, string queueConnection, string hubConnection)
    {
        _options = options;
        HubConnection = hubConnection;
        Host = host;
        Proxy = proxy;
        QueueConnection = queueConnection;
    }

    public SelfHostProcess? Host { get; }

    /// <summary>The API, authenticated with SelfHost's bootstrap admin key.</summary>
    public HttpClient Api => Host!.Client;

    public CountingProxy? Proxy { get; }

    public StorageCounter Counter => Proxy!.Counter;

    /// <summary>Where agents read the dispatch queues (the proxy's agent port when counted, so their calls are named <c>agent/...</c>).</summary>
    public string QueueConnection { get; }

    /// <summary>The task hub's storage as SelfHost is given it (through the proxy when counted).</summary>
    public string HubConnection { get; }

    /// <summary>
    /// Starts the proxy (with <see cref="BenchOptions.Proxy"/>: SelfHost's task hub and data both go through it, to one
    /// emulator), then SelfHost unless <paramref name="selfHost"/> is false, then <see cref="BenchOptions.RealAgents"/> agents.
    /// </summary>
    public static async Task<BenchSystem> StartAsync(BenchOptions options, ILogger logger, CancellationToken cancellationToken, bool selfHost = true, params string[] settings)
    {
        CountingProxy? proxy = null;
        var (data, hub, queues) = (options.Storage, options.HubConnection, options.Storage);
        if (options.Proxy)
        {
            var (blob, queue, table) = (Port(options.Storage, "Blob"), Port(options.Storage, "Queue"), Port(options.Storage, "Table"));
            ProxyListener[] listeners =
            [
                new("selfhost", StorageService.Blob, FreePort.Next(), blob),
                new("selfhost", StorageService.Queue, FreePort.Next(), queue),
                new("selfhost", StorageService.Table, FreePort.Next(), table),
                new("agent", StorageService.Queue, FreePort.Next(), queue),
            ];
            proxy = new CountingProxy(listeners, new StorageCounter(new StorageRequestClassifier([options.Prefix])), logger);
            await proxy.StartAsync(cancellationToken);
            data = hub = Connection(options.Storage, listeners[0].Port, listeners[1].Port, listeners[2].Port);
            queues = Connection(options.Storage, listeners[0].Port, listeners[3].Port, listeners[2].Port);
        }

        SelfHostProcess? host = null;
        if (selfHost)
        {
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["SchedulerStorage"] = data,
                ["AzureWebJobsStorage"] = hub,
                ["DurableTask__MaxQueuePollingIntervalMs"] = options.EnginePollingMs.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__TaskScheduler"] = "Warning",
                ["Auth__Tiers__internal__Limit"] = "100000000",
            };
            foreach (var setting in settings.Concat(options.SelfHostSettings.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                environment[setting[..setting.IndexOf('=', StringComparison.Ordinal)]] = setting[(setting.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }

            host = await SelfHostProcess.StartAsync(environment, options.Prefix);
            LogSelfHost(logger, host.BaseAddress, host.ProcessId ?? 0, options.Prefix, options.EnginePollingMs);
        }

        var system = new BenchSystem(options, host, proxy, queues, hub);
        for (var i = 0; i < options.RealAgents; i++)
        {
            system._agents.Add(AgentProcess.Start(host!.BaseAddress, options.Prefix, host.AdminKey, options.Slots, new Dictionary<string, string>
            {
                ["Agent__QueueConnection"] = queues,
                ["Agent__WorkDirectory"] = options.ResultPath("agent-work"),
                ["Logging__LogLevel__TaskScheduler"] = "Warning",
            }));
        }

        return system;
    }

    /// <summary>How busy the machine is from now on: Azurite's processes (from the script), SelfHost and the agents by name.</summary>
    public MachineLoad StartLoad()
    {
        var pids = string.Join(',', _agents.Select((a, i) => $"agent{i + 1}={a.ProcessId}").Prepend(_options.Pids).Append($"selfhost={Host?.ProcessId ?? 0}"));
        return MachineLoad.Start(pids);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _agents.Count; i++)
        {
            await _agents[i].StopAsync(TimeSpan.FromSeconds(20));
            await File.AppendAllLinesAsync(_options.ResultPath($"agent-{_options.Prefix}-{i + 1}.log"), _agents[i].Output);
            await _agents[i].DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.StopAsync();
            await File.AppendAllLinesAsync(_options.ResultPath($"selfhost-{_options.Prefix}.log"), Host.Output);
            await Host.DisposeAsync();
        }

        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (Directory.Exists(_options.ResultPath("agent-work")))
        {
            Directory.Delete(_options.ResultPath("agent-work"), recursive: true);
        }
    }

    private static int Port(string connection, string service) =>
        int.Parse(Regex.Match(connection, service + @"Endpoint=https?://[^:/]+:(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);

    private static string Connection(string connection, int blob, int queue, int table) =>
        Regex.Replace(connection, @"(Blob|Queue|Table)Endpoint=(https?://[^:/]+):\d+", m => $"{m.Groups[1].Value}Endpoint={m.Groups[2].Value}:{m.Groups[1].Value switch
        {
            "Blob" => blob,
            "Queue" => queue,
            _ => table,
        }}");

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "SelfHost ready on {Url} (pid {Pid}, prefix {Prefix}, engine poll cap {Polling} ms)")]
    private static partial void LogSelfHost(ILogger logger, Uri url, int pid, string prefix, int polling);
}
