using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>SelfHost with the real Durable engine on Azurite, tuned to short retry and sweep intervals for tests.</summary>
public class WorkflowFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> FastSettings = new Dictionary<string, string>
    {
        ["Scheduler__RetryBaseDelaySeconds"] = "1",
        ["Scheduler__WorkerOfflineAfterSeconds"] = "60",
        ["SweepLostWorkersSchedule"] = "* * * * * *",
        ["ReconcileTasksSchedule"] = "*/5 * * * * *",
        ["Scheduler__ReconcileGraceSeconds"] = "3",
        ["DurableTask__MaxQueuePollingIntervalMs"] = "200",
    };

    private SelfHostProcess? _host;

    public SelfHostProcess Host => _host ?? throw new InvalidOperationException("not started");

    public HttpClient Api => Host.Client;

    /// <summary>The settings this fixture's SelfHost runs with.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => FastSettings;

    public async Task InitializeAsync() => _host = await SelfHostProcess.StartAsync(Settings);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>Workers go offline after 4 s without a heartbeat, so tests of lost workers finish quickly.</summary>
public sealed class LostWorkerFixture : WorkflowFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string>(FastSettings) { ["Scheduler__WorkerOfflineAfterSeconds"] = "4" };
}

/// <summary>Reading and waiting on tasks over the API.</summary>
public static class TaskPolling
{
    public static async Task<JsonElement> GetTaskAsync(this HttpClient api, string id)
    {
        var (status, body) = await api.GetJsonAsync($"tasks/{id}");
        Assert.True(status == HttpStatusCode.OK, $"GET tasks/{id}: {(int)status} {body}");
        return body.GetProperty("data");
    }

    public static Task<JsonElement> WaitForStatusAsync(this HttpClient api, string id, string status, int seconds = 30) =>
        Poll.UntilAsync(() => api.GetTaskAsync(id), t => t.GetProperty("status").GetString() == status, TimeSpan.FromSeconds(seconds), $"{id} to be {status}");

    public static async Task<string> CreateIdAsync(this HttpClient api, object body) =>
        (await api.CreateTaskAsync(body)).GetProperty("id").GetString()!;

    public static string Status(this JsonElement task) => task.GetProperty("status").GetString()!;
}
