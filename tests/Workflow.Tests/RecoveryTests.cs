using System.Globalization;
using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>A worker that stops heart-beating loses its attempts; they are retried elsewhere or fail.</summary>
public class LostWorkerTests(LostWorkerFixture fixture) : IClassFixture<LostWorkerFixture>
{
    [Fact]
    public async Task A_worker_that_stops_heart_beating_has_its_task_retried_on_another()
    {
        var api = fixture.Api;
        var doomed = new FakeAgent(fixture.Host, "doomed-" + Guid.NewGuid().ToString("N")[..6]);
        var healthy = new FakeAgent(fixture.Host, "healthy-" + Guid.NewGuid().ToString("N")[..6]);
        await doomed.RegisterAsync();
        await healthy.RegisterAsync();
        var id = await api.CreateIdAsync(new { name = "survivor", command = "sleep 5", max_retries = 1 });
        var lonely = await api.CreateIdAsync(new { name = "no retries", command = "sleep 5", max_retries = 0 });

        var claimed = new List<(string, int)>();
        var beating = doomed.StartHeartbeats(() => claimed.ToArray());
        var first = await doomed.ClaimNextAsync(id);
        claimed.Add((id, first));
        var lonelyAttempt = await doomed.ClaimNextAsync(lonely);
        claimed.Add((lonely, lonelyAttempt));
        Assert.Equal("running", (await api.GetTaskAsync(id)).Status());
        await beating.DisposeAsync();

        // The doomed agent now goes silent. The healthy one keeps beating and takes the retry.
        var second = await Poll.UntilAsync(
            async () =>
            {
                await healthy.HeartbeatAsync();
                return await healthy.TryReceiveAsync(id, TimeSpan.FromSeconds(1)) ?? 0;
            },
            attempt => attempt > 0,
            TimeSpan.FromSeconds(40),
            "the lost attempt to be dispatched again");
        Assert.Equal(2, second);
        var requeued = await api.GetTaskAsync(id);
        Assert.Equal(1, requeued.GetProperty("retry_count").GetInt32());
        Assert.Contains("Worker lost", requeued.GetProperty("error").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await healthy.ClaimAsync(id, second)).Status);
        Assert.Equal(HttpStatusCode.OK, (await healthy.CompleteAsync(id, second)).Status);
        await api.WaitForStatusAsync(id, "completed");

        var failed = await api.WaitForStatusAsync(lonely, "failed");
        Assert.Contains("Worker lost", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The silent agent comes back too late: its reports are refused and it is told to stop both.
        (await doomed.CompleteAsync(id, first)).AssertError(HttpStatusCode.Conflict, "conflict");
        Assert.Equal(new[] { id, lonely }.Order(), (await doomed.HeartbeatAsync((id, first), (lonely, lonelyAttempt))).Order());
    }
}

/// <summary>SelfHost killed with SIGKILL while tasks wait on timers and dependencies: every task still ends right.</summary>
public class CrashRecoveryTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>
{
    [Fact]
    public async Task Tasks_waiting_on_timers_and_dependencies_survive_a_kill_9_of_SelfHost()
    {
        var api = fixture.Api;
        var agent = new FakeAgent(fixture.Host, "w-" + Guid.NewGuid().ToString("N")[..6]);
        await agent.RegisterAsync();
        string At(double seconds) => DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("O", CultureInfo.InvariantCulture);

        var scheduled = await api.CreateIdAsync(new { name = "scheduled", command = "true", scheduled_at = At(6) });
        var parent = await api.CreateIdAsync(new { name = "parent", command = "true", scheduled_at = At(3) });
        var child = await api.CreateIdAsync(new { name = "child", command = "true", dependencies = new[] { parent } });
        var hung = await api.CreateIdAsync(new { name = "hung", command = "sleep 600", timeout_seconds = 5, max_retries = 0 });
        var hungAttempt = await agent.ClaimNextAsync(hung);
        var scheduledAt = DateTimeOffset.Parse((await api.GetTaskAsync(scheduled)).GetProperty("scheduled_at").GetString()!, CultureInfo.InvariantCulture);

        await fixture.Host.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await fixture.Host.StartAsync();
        await agent.HeartbeatAsync((hung, hungAttempt));

        // After a kill -9 the restarted engine first waits out its predecessor's partition lease: on a loaded
        // machine the first dispatch can take longer than the usual 30 s deadline.
        var parentAttempt = await agent.ReceiveAsync(parent, TimeSpan.FromSeconds(90));
        Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(parent, parentAttempt)).Status);
        Assert.Equal("pending", (await api.GetTaskAsync(child)).Status());
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(parent, parentAttempt)).Status);
        var childAttempt = await agent.ClaimNextAsync(child);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(child, childAttempt)).Status);

        var scheduledAttempt = await agent.ReceiveAsync(scheduled);
        Assert.True(DateTimeOffset.UtcNow >= scheduledAt);
        Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(scheduled, scheduledAttempt)).Status);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(scheduled, scheduledAttempt)).Status);

        await agent.HeartbeatAsync((hung, hungAttempt));
        var timedOut = await api.WaitForStatusAsync(hung, "failed");
        Assert.Contains("Timed out", timedOut.GetProperty("error").GetString(), StringComparison.Ordinal);
        foreach (var id in new[] { parent, child, scheduled })
        {
            await api.WaitForStatusAsync(id, "completed");
        }
    }
}
