using System.Diagnostics;
using System.Globalization;
using System.Net;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>
/// The orchestration end to end: SelfHost with the real Durable engine on Azurite, driven over HTTP by a scripted
/// agent. Tests of one class run one at a time, so the class's queues hold only the running test's messages
/// (plus leftovers the agent deletes).
/// </summary>
public class WorkflowTests(WorkflowFixture fixture) : IClassFixture<WorkflowFixture>
{
    private HttpClient Api => fixture.Api;

    private async Task<FakeAgent> AgentAsync(string name)
    {
        var agent = new FakeAgent(fixture.Host, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        await agent.RegisterAsync();
        return agent;
    }

    private static string In(TimeSpan delay) => DateTimeOffset.UtcNow.Add(delay).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_immediate_task_is_dispatched_claimed_and_completed()
    {
        var agent = await AgentAsync("w");
        var id = await Api.CreateIdAsync(new { name = "now", command = "echo hi", priority = 9 });

        var attempt = await agent.ClaimNextAsync(id);
        Assert.Equal(1, attempt);
        var running = await Api.GetTaskAsync(id);
        Assert.Equal("running", running.Status());
        Assert.Equal(agent.WorkerId, running.GetProperty("worker_id").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, running.GetProperty("started_at").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt, "hi\n")).Status);
        var done = await Api.WaitForStatusAsync(id, "completed");
        Assert.Equal("hi\n", done.GetProperty("result").GetString());
        Assert.Equal(0, done.GetProperty("retry_count").GetInt32());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, done.GetProperty("completed_at").ValueKind);
    }

    [Fact]
    public async Task Scheduled_at_is_honoured()
    {
        var agent = await AgentAsync("w");
        var due = DateTimeOffset.UtcNow.AddSeconds(4);
        var id = await Api.CreateIdAsync(new { name = "later", command = "true", scheduled_at = due.ToString("O", CultureInfo.InvariantCulture) });

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("pending", (await Api.GetTaskAsync(id)).Status());
        Assert.True(await agent.NothingQueuedForAsync(id));

        var attempt = await agent.ReceiveAsync(id);
        Assert.True(DateTimeOffset.UtcNow >= due, "dispatched before scheduled_at");
        Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(id, attempt)).Status);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt)).Status);
        await Api.WaitForStatusAsync(id, "completed");
    }

    [Fact]
    public async Task A_dependent_runs_only_after_its_dependency_completes()
    {
        var agent = await AgentAsync("w");
        var a = await Api.CreateIdAsync(new { name = "A", command = "true" });
        var b = await Api.CreateIdAsync(new { name = "B", command = "true", dependencies = new[] { a } });

        var attemptA = await agent.ClaimNextAsync(a);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal("pending", (await Api.GetTaskAsync(b)).Status());
        Assert.True(await agent.NothingQueuedForAsync(b));

        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(a, attemptA)).Status);
        var attemptB = await agent.ClaimNextAsync(b);
        var aDone = await Api.GetTaskAsync(a);
        var bRunning = await Api.GetTaskAsync(b);
        Assert.True(string.CompareOrdinal(aDone.GetProperty("completed_at").GetString(), bRunning.GetProperty("started_at").GetString()) <= 0);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(b, attemptB)).Status);
        await Api.WaitForStatusAsync(b, "completed");
    }

    [Fact]
    public async Task A_failed_or_cancelled_dependency_fails_its_dependent_without_running_it()
    {
        var agent = await AgentAsync("w");
        var a = await Api.CreateIdAsync(new { name = "A", command = "false", max_retries = 0 });
        var b = await Api.CreateIdAsync(new { name = "B", command = "true", dependencies = new[] { a } });
        var c = await Api.CreateIdAsync(new { name = "C", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        var d = await Api.CreateIdAsync(new { name = "D", command = "true", dependencies = new[] { c } });

        var attempt = await agent.ClaimNextAsync(a);
        Assert.Equal(HttpStatusCode.OK, (await agent.FailAsync(a, attempt)).Status);
        var failedB = await Api.WaitForStatusAsync(b, "failed");
        Assert.Contains(a, failedB.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, failedB.GetProperty("started_at").ValueKind);

        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{c}/cancel", null)).Status);
        var failedD = await Api.WaitForStatusAsync(d, "failed");
        Assert.Contains(c, failedD.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("cancelled", failedD.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_task_runs_max_retries_plus_one_attempts_with_growing_gaps()
    {
        var agent = await AgentAsync("w");
        var id = await Api.CreateIdAsync(new { name = "flaky", command = "exit 3", max_retries = 3 });
        var gaps = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        for (var expected = 1; expected <= 4; expected++)
        {
            // A generous deadline: only the gaps' lower bounds are asserted, and on a loaded machine the engine may
            // redeliver a work item once (30 s) before the next attempt is sent.
            var attempt = await agent.ReceiveAsync(id, TimeSpan.FromSeconds(75));
            if (expected > 1)
            {
                gaps.Add(clock.Elapsed);
            }

            Assert.Equal(expected, attempt);
            Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(id, attempt)).Status);
            var (status, body) = await agent.FailAsync(id, attempt, "exit 3", 3);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(expected < 4 ? "pending" : "failed", body.GetProperty("data").GetProperty("status").GetString());
            clock.Restart();
        }

        var failed = await Api.WaitForStatusAsync(id, "failed");
        Assert.Equal(3, failed.GetProperty("retry_count").GetInt32());
        Assert.Contains("exit 3", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Lower bounds only (base 1 s: 0.8-1.2 s, then 1.6-2.4 s, then 3.2-4.8 s): durable timers fire on whole
        // seconds and a loaded machine adds latency, so a gap can only be longer than its back-off, never shorter.
        // The third gap's bound is above anything an ungrown back-off (at most 1.2 s) leaves on an idle machine.
        Assert.True(gaps[0] >= TimeSpan.FromSeconds(0.75), $"first back-off {gaps[0]}");
        Assert.True(gaps[1] >= TimeSpan.FromSeconds(1.5), $"second back-off {gaps[1]}");
        Assert.True(gaps[2] >= TimeSpan.FromSeconds(3.0), $"back-off did not grow: {string.Join(", ", gaps)}");
        Assert.True(await agent.NothingQueuedForAsync(id));
    }

    [Fact]
    public async Task A_timeout_ends_the_attempt_and_tells_the_agent_to_stop()
    {
        var agent = await AgentAsync("w");
        var id = await Api.CreateIdAsync(new { name = "slow", command = "sleep 30", timeout_seconds = 2, max_retries = 0 });
        var attempt = await agent.ClaimNextAsync(id);
        var clock = Stopwatch.StartNew();
        Assert.Empty(await agent.HeartbeatAsync((id, attempt)));

        var failed = await Api.WaitForStatusAsync(id, "failed");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.5), $"timed out after {clock.Elapsed}: {failed}");
        Assert.Contains("Timed out after 2 s", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal([id], await agent.HeartbeatAsync((id, attempt)));
        (await agent.CompleteAsync(id, attempt)).AssertError(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Cancel_works_in_every_live_state_and_is_409_when_terminal()
    {
        var agent = await AgentAsync("w");

        var pending = await Api.CreateIdAsync(new { name = "pending", command = "true", scheduled_at = In(TimeSpan.FromHours(1)) });
        var (status, body) = await Api.PostJsonAsync($"tasks/{pending}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(pending, body.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal("cancelled", (await Api.GetTaskAsync(pending)).Status());

        var queued = await Api.CreateIdAsync(new { name = "queued", command = "true" });
        await Api.WaitForStatusAsync(queued, "queued");
        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{queued}/cancel", null)).Status);
        var queuedAttempt = await agent.ReceiveAsync(queued);
        (await agent.ClaimAsync(queued, queuedAttempt)).AssertError(HttpStatusCode.Conflict, "conflict");

        var running = await Api.CreateIdAsync(new { name = "running", command = "sleep 60" });
        var attempt = await agent.ClaimNextAsync(running);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{running}/cancel", null)).Status);
        Assert.Equal([running], await agent.HeartbeatAsync((running, attempt)));
        (await agent.CompleteAsync(running, attempt)).AssertError(HttpStatusCode.Conflict, "conflict");
        Assert.Equal("cancelled", (await Api.GetTaskAsync(running)).Status());

        (await Api.PostJsonAsync($"tasks/{running}/cancel", null)).AssertError(HttpStatusCode.Conflict, "conflict");
        (await Api.PostJsonAsync("tasks/task-nosuchtask/cancel", null)).AssertError(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_manual_retry_runs_a_failed_task_again_and_is_409_otherwise()
    {
        var agent = await AgentAsync("w");
        var id = await Api.CreateIdAsync(new { name = "once", command = "false", max_retries = 0 });
        var first = await agent.ClaimNextAsync(id);
        await agent.FailAsync(id, first);
        await Api.WaitForStatusAsync(id, "failed");

        var (status, body) = await Api.PostJsonAsync($"tasks/{id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("pending", body.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("data").GetProperty("retry_count").GetInt32());

        var second = await agent.ClaimNextAsync(id);
        Assert.Equal(2, second);
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, second)).Status);
        var done = await Api.WaitForStatusAsync(id, "completed");
        Assert.Equal(1, done.GetProperty("retry_count").GetInt32());

        (await Api.PostJsonAsync($"tasks/{id}/retry", null)).AssertError(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Of_two_racing_claims_exactly_one_wins()
    {
        var one = await AgentAsync("one");
        var two = await AgentAsync("two");
        var id = await Api.CreateIdAsync(new { name = "race", command = "true" });
        var attempt = await one.ReceiveAsync(id);

        var claims = await Task.WhenAll(one.ClaimAsync(id, attempt), two.ClaimAsync(id, attempt));

        Assert.Single(claims, c => c.Status == HttpStatusCode.OK);
        Assert.Single(claims, c => c.Status == HttpStatusCode.Conflict);
        var winner = claims[0].Status == HttpStatusCode.OK ? one : two;
        Assert.Equal(winner.WorkerId, (await Api.GetTaskAsync(id)).GetProperty("worker_id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await winner.CompleteAsync(id, attempt)).Status);
    }

    [Fact]
    public async Task Stale_foreign_and_duplicate_reports_are_409_and_change_nothing()
    {
        var agent = await AgentAsync("w");
        var stranger = await AgentAsync("stranger");
        var id = await Api.CreateIdAsync(new { name = "fenced", command = "true", checkpoint_enabled = true });
        var attempt = await agent.ClaimNextAsync(id);

        (await agent.CompleteAsync(id, attempt + 1)).AssertError(HttpStatusCode.Conflict, "conflict");
        (await stranger.CompleteAsync(id, attempt)).AssertError(HttpStatusCode.Conflict, "conflict");
        (await stranger.FailAsync(id, attempt)).AssertError(HttpStatusCode.Conflict, "conflict");
        (await Api.PostJsonAsync($"tasks/{id}/logs", new { worker_id = stranger.WorkerId, attempt, lines = new[] { new { level = "info", message = "x" } } }))
            .AssertError(HttpStatusCode.Conflict, "conflict");
        (await Api.PostJsonAsync($"tasks/{id}/complete", new { attempt })).AssertError(HttpStatusCode.UnprocessableEntity, "validation_failed");
        Assert.Equal("running", (await Api.GetTaskAsync(id)).Status());

        var checkpoint = await Api.PostJsonAsync($"tasks/{id}/checkpoint", new { checkpoint_data = new { step = 2 }, worker_id = agent.WorkerId, attempt });
        Assert.Equal(HttpStatusCode.OK, checkpoint.Status);
        Assert.Equal(2, checkpoint.Body.GetProperty("data").GetProperty("checkpoint_data").GetProperty("step").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, attempt, "done")).Status);

        // The same report again (its reply was lost) is answered with the state it led to; a different one is refused.
        var repeated = await agent.CompleteAsync(id, attempt, "done");
        Assert.Equal(HttpStatusCode.OK, repeated.Status);
        Assert.Equal("completed", repeated.Body.GetProperty("data").GetProperty("status").GetString());
        (await agent.CompleteAsync(id, attempt, "again")).AssertError(HttpStatusCode.Conflict, "conflict");
        (await Api.PostJsonAsync($"tasks/{id}/checkpoint", new { checkpoint_data = new { step = 3 } })).AssertError(HttpStatusCode.Conflict, "conflict");
        var done = await Api.WaitForStatusAsync(id, "completed");
        Assert.Equal("done", done.GetProperty("result").GetString());
        Assert.Equal(2, done.GetProperty("checkpoint_data").GetProperty("step").GetInt32());
    }

    [Fact]
    public async Task The_next_attempt_starts_from_the_last_checkpoint()
    {
        var agent = await AgentAsync("w");
        var id = await Api.CreateIdAsync(new { name = "resumable", command = "true", checkpoint_enabled = true, max_retries = 1 });
        var first = await agent.ClaimNextAsync(id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostJsonAsync($"tasks/{id}/checkpoint", new { checkpoint_data = new { step = 2 }, worker_id = agent.WorkerId, attempt = first })).Status);
        await agent.FailAsync(id, first);

        var second = await agent.ReceiveAsync(id);
        var (status, claim) = await agent.ClaimAsync(id, second);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, claim.GetProperty("data").GetProperty("checkpoint_data").GetProperty("step").GetInt32());
        Assert.True(claim.GetProperty("data").GetProperty("checkpoint_enabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await agent.CompleteAsync(id, second)).Status);
    }
}
