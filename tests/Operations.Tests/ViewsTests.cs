using System.Net;
using System.Text.Json;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Operations.Tests;

/// <summary>Workers, logs, status and metrics over HTTP after a known mix of work.</summary>
public sealed class ViewsTests
{
    [Fact]
    public async Task Status_metrics_logs_and_workers_show_a_known_mix_of_work()
    {
        await using var host = await SelfHostProcess.StartAsync(new Dictionary<string, string> { ["DurableTask__MaxQueuePollingIntervalMs"] = "200" });
        var api = host.Client;
        var one = new FakeAgent(host, "one-" + Guid.NewGuid().ToString("N")[..6]);
        var two = new FakeAgent(host, "two-" + Guid.NewGuid().ToString("N")[..6]);
        await one.RegisterAsync();
        await two.RegisterAsync();

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = (await api.CreateTaskAsync(new { name = $"mix-{i}", command = "true", max_retries = 0 })).GetProperty("id").GetString()!;
            ids.Add(id);
            var agent = i % 2 == 0 ? one : two;
            var attempt = await agent.ClaimNextAsync(id);
            if (i < 3)
            {
                await agent.CompleteAsync(id, attempt);
            }
            else
            {
                await agent.FailAsync(id, attempt);
            }
        }

        var waiting = (await api.CreateTaskAsync(new { name = "later", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") })).GetProperty("id").GetString()!;
        await one.HeartbeatAsync();
        await two.HeartbeatAsync();

        // The finished-task counters are written in batches (Scheduler__CountersFlushSeconds): wait for this run's.
        await Poll.UntilAsync(
            async () => (await api.GetJsonAsync("system/metrics?period=hour")).Body.GetProperty("data").GetProperty("task_completion_rate")[23].GetProperty("value").GetDouble(),
            completed => completed == 3,
            TimeSpan.FromSeconds(20),
            "the metrics to count 3 completed tasks");
        await Poll.UntilAsync(
            async () => (await api.GetJsonAsync($"workers/{one.WorkerId}")).Body.GetProperty("data").GetProperty("tasks_failed").GetInt32(),
            failed => failed == 1,
            TimeSpan.FromSeconds(20),
            "the worker's counters");

        // Metrics: the current hour holds 3 completed and 2 failed.
        var (status, metrics) = await api.GetJsonAsync("system/metrics?period=hour");
        Assert.Equal(HttpStatusCode.OK, status);
        var completion = metrics.GetProperty("data").GetProperty("task_completion_rate");
        Assert.Equal(24, completion.GetArrayLength());
        Assert.Equal(3, completion[23].GetProperty("value").GetDouble());
        Assert.Equal(0.4, metrics.GetProperty("data").GetProperty("error_rate")[23].GetProperty("value").GetDouble());
        Assert.True(metrics.GetProperty("data").GetProperty("average_execution_time")[23].GetProperty("value").GetDouble() >= 0);
        Assert.Equal("hour", metrics.GetProperty("meta").GetProperty("period").GetString());
        foreach (var (period, points) in new[] { ("day", 30), ("week", 12), ("month", 12) })
        {
            var (_, other) = await api.GetJsonAsync($"system/metrics?period={period}&metrics=task_completion_rate,error_rate");
            var data = other.GetProperty("data");
            Assert.Equal(["error_rate", "task_completion_rate"], data.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal(points, data.GetProperty("task_completion_rate").GetArrayLength());
            Assert.Equal(3, data.GetProperty("task_completion_rate")[points - 1].GetProperty("value").GetDouble());
        }

        (await api.GetJsonAsync("system/metrics?metrics=throughput")).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");
        (await api.GetJsonAsync("system/metrics?period=year")).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");

        // Status: probes healthy, counters, today's figures, queue depths.
        var (_, systemStatus) = await api.GetJsonAsync("system/status");
        var body = systemStatus.GetProperty("data");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        foreach (var component in new[] { "api_server", "scheduler", "workers", "database", "queues" })
        {
            Assert.Equal("healthy", body.GetProperty("components").GetProperty(component).GetProperty("status").GetString());
        }

        Assert.Equal(2, body.GetProperty("components").GetProperty("workers").GetProperty("idle_count").GetInt32());
        var stats = body.GetProperty("task_stats");
        Assert.Equal(1, stats.GetProperty("pending").GetInt32());
        Assert.Equal(0, stats.GetProperty("running").GetInt32());
        Assert.Equal(3, stats.GetProperty("completed_today").GetInt32());
        Assert.Equal(2, stats.GetProperty("failed_today").GetInt32());
        Assert.Equal(0, body.GetProperty("queue_depths").GetProperty("high_priority").GetInt32());

        // Workers: two live agents, filters and paging.
        var (_, workers) = await api.GetJsonAsync("workers?limit=1");
        Assert.Equal(2, workers.GetProperty("meta").GetProperty("total").GetInt32());
        Assert.Equal(2, workers.GetProperty("meta").GetProperty("pages").GetInt32());
        Assert.Equal(1, workers.GetProperty("data").GetArrayLength());
        var (_, offline) = await api.GetJsonAsync("workers?status=offline");
        Assert.Equal(0, offline.GetProperty("meta").GetProperty("total").GetInt32());
        var (_, oneDetail) = await api.GetJsonAsync($"workers/{one.WorkerId}");
        Assert.Equal(2, oneDetail.GetProperty("data").GetProperty("tasks_completed").GetInt32());
        Assert.Equal(1, oneDetail.GetProperty("data").GetProperty("tasks_failed").GetInt32());
        var (_, oneTasks) = await api.GetJsonAsync($"workers/{one.WorkerId}/tasks?status=completed");
        Assert.Equal(2, oneTasks.GetProperty("meta").GetProperty("total").GetInt32());
        Assert.All(oneTasks.GetProperty("data").EnumerateArray(), t => Assert.Equal(["id", "name", "priority", "started_at", "status"], t.EnumerateObject().Select(p => p.Name).Order()));
        (await api.GetJsonAsync("workers/nobody")).AssertError(HttpStatusCode.NotFound, "not_found");
        (await api.GetJsonAsync("workers?status=busy")).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");

        // Logs: paging and the level filter over lines an agent sent.
        var logged = ids[0];
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync($"tasks/{waiting}/cancel", null)).Status);
        var (_, all) = await api.GetJsonAsync($"tasks/{logged}/logs");
        var total = all.GetProperty("meta").GetProperty("total").GetInt32();
        Assert.True(total >= 3, all.ToString());
        var (_, page) = await api.GetJsonAsync($"tasks/{logged}/logs?limit=1&offset=1");
        Assert.Equal(1, page.GetProperty("data").GetArrayLength());
        Assert.Equal(all.GetProperty("data")[1].ToString(), page.GetProperty("data")[0].ToString());
        Assert.Equal(total, page.GetProperty("meta").GetProperty("total").GetInt32());
        var (_, errors) = await api.GetJsonAsync($"tasks/{ids[4]}/logs?level=error");
        Assert.True(errors.GetProperty("meta").GetProperty("total").GetInt32() >= 1);
        Assert.All(errors.GetProperty("data").EnumerateArray(), l => Assert.Equal("error", l.GetProperty("level").GetString()));
        (await api.GetJsonAsync($"tasks/{logged}/logs?level=trace")).AssertError(HttpStatusCode.BadRequest, "invalid_parameter");

        // Deleting a task removes its logs.
        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(HttpMethod.Delete, $"tasks/{logged}")).Status);
        (await api.GetJsonAsync($"tasks/{logged}/logs")).AssertError(HttpStatusCode.NotFound, "not_found");
    }
}
