using System.Globalization;
using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

// Real processes (SelfHost, agents, commands) on two cores: one test at a time keeps timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace TaskScheduler.Agent.Tests;

/// <summary>SelfHost on Azurite with quick heartbeats, plus helpers to start real agents against it.</summary>
public sealed class AgentSystem : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Scheduler__RetryBaseDelaySeconds"] = "0.5",
        ["Scheduler__HeartbeatIntervalSeconds"] = "1",
        ["Scheduler__WorkerOfflineAfterSeconds"] = "6",
        ["SweepLostWorkersSchedule"] = "* * * * * *",
        ["DurableTask__MaxQueuePollingIntervalMs"] = "200",
    };

    private SelfHostProcess? _host;
    private readonly List<AgentProcess> _agents = [];

    public SelfHostProcess Host => _host!;

    public HttpClient Api => Host.Client;

    /// <summary>The key the agents run with: the <c>workers</c> scope only, on the generous tier, as run.sh gives its agent.</summary>
    public string AgentKey { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _host = await SelfHostProcess.StartAsync(Settings);
        AgentKey = await Api.CreateApiKeyAsync("test agents", ["workers"], "internal");
    }

    public AgentProcess StartAgent(int slots = 2, Uri? apiBase = null)
    {
        var agent = AgentProcess.Start(apiBase ?? Host.BaseAddress, Host.Prefix, AgentKey, slots);
        _agents.Add(agent);
        return agent;
    }

    public async Task StopAgentsAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        _agents.Clear();
    }

    public async Task DisposeAsync()
    {
        await StopAgentsAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public async Task<JsonElement> TaskAsync(string id)
    {
        var (status, body) = await Api.GetJsonAsync($"tasks/{id}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    public Task<JsonElement> WaitForStatusAsync(string id, string status, int seconds = 40) =>
        Poll.UntilAsync(() => TaskAsync(id), t => t.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(seconds), $"{id} to be {status}");

    public async Task<string> CreateAsync(object body) => (await Api.CreateTaskAsync(body)).GetProperty("id").GetString()!;

    public async Task<List<JsonElement>> LogsAsync(string id, string query = "limit=1000")
    {
        var (status, body) = await Api.GetJsonAsync($"tasks/{id}/logs?{query}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").EnumerateArray().ToList();
    }

    public async Task<JsonElement> WorkerAsync(string id)
    {
        var (status, body) = await Api.GetJsonAsync($"workers/{id}");
        Assert.True(status == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data");
    }

    /// <summary>A file the command writes its background child's pid to, so the test can see whether it lives.</summary>
    public static string PidFile() => Path.Combine(Path.GetTempPath(), "ts-agent-test-" + Guid.NewGuid().ToString("N") + ".pid");

    public static async Task<int> ReadPidAsync(string file) =>
        await Poll.UntilAsync(
            async () => File.Exists(file) && int.TryParse((await File.ReadAllTextAsync(file)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0,
            pid => pid > 0,
            TimeSpan.FromSeconds(30),
            "the command to write its pid");

    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
