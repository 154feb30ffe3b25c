using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;
using TaskScheduler.Functions.Orchestrations;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>
/// The orchestrator's decisions alone, on the in-memory <see cref="DurableTaskTestHost"/>: the activities are
/// replaced by scripted ones registered under the same names, and the test plays the agent by raising events.
/// </summary>
public sealed class OrchestrationLogicTests : IAsyncLifetime
{
    private readonly Channel<AttemptRef> _dispatched = Channel.CreateUnbounded<AttemptRef>();
    private readonly ConcurrentQueue<string> _calls = new();
    private TaskPlan _plan = Plan();
    private string _timeoutResult = "failed";
    private DurableTaskTestHost? _host;

    private DurableTaskClient Client => _host!.Client;

    private static TaskPlan Plan(int timeoutSeconds = 3600, params string[] waitingFor) =>
        new("pending", null, timeoutSeconds, 0, waitingFor, null, 0.05, 1);

    public async Task InitializeAsync() => _host = await DurableTaskTestHost.StartAsync(registry => registry
        .AddOrchestrator<TaskOrchestration>()
        .AddActivityFunc<string, TaskPlan?>(nameof(PrepareTaskActivity), (_, _) => _plan)
        .AddActivityFunc<AttemptRef, string>(nameof(DispatchAttemptActivity), (_, attempt) =>
        {
            _calls.Enqueue($"dispatch {attempt.Attempt}");
            _dispatched.Writer.TryWrite(attempt);
            return "queued";
        })
        .AddActivityFunc<AttemptRef, string>(nameof(TimeOutAttemptActivity), (_, attempt) =>
        {
            _calls.Enqueue($"timeout {attempt.Attempt}");
            return _timeoutResult;
        })
        .AddActivityFunc<FailTaskRequest, string>(nameof(FailTaskActivity), (_, request) =>
        {
            _calls.Enqueue($"fail: {request.Error}");
            return "failed";
        })
        .AddActivityFunc<DependencyFinished, int>(nameof(NotifyDependentsActivity), (_, finished) =>
        {
            _calls.Enqueue($"notify {finished.Status}");
            return 0;
        }));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task<string> StartAsync() =>
        await Client.ScheduleNewOrchestrationInstanceAsync(nameof(TaskOrchestration), new TaskWorkflowInput("task-1"));

    private async Task<AttemptRef> NextDispatchAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _dispatched.Reader.ReadAsync(timeout.Token);
    }

    private async Task<string> OutputAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var metadata = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        return metadata.ReadOutputAs<string>()!;
    }

    [Fact]
    public async Task Failed_attempts_are_dispatched_again_until_the_task_is_settled()
    {
        var id = await StartAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(attempt, (await NextDispatchAsync()).Attempt);
            await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(attempt, true, null));
            await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(attempt, false, attempt < 3 ? "pending" : "failed"));
        }

        Assert.Equal("failed", await OutputAsync(id));
        Assert.Equal(["dispatch 1", "dispatch 2", "dispatch 3", "notify failed"], _calls);
    }

    [Fact]
    public async Task An_update_for_another_attempt_is_ignored()
    {
        var id = await StartAsync();
        await NextDispatchAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(7, false, "completed"));
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(1, false, "completed"));

        Assert.Equal("completed", await OutputAsync(id));
        Assert.Equal(["dispatch 1", "notify completed"], _calls);
    }

    [Fact]
    public async Task The_timeout_timer_starts_when_the_attempt_starts_and_ends_it()
    {
        _plan = Plan(timeoutSeconds: 1);
        var id = await StartAsync();
        await NextDispatchAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(1, true, null));

        Assert.Equal("failed", await OutputAsync(id));
        Assert.Equal(["dispatch 1", "timeout 1", "notify failed"], _calls);
    }

    [Fact]
    public async Task A_timeout_with_retries_left_dispatches_the_next_attempt()
    {
        _plan = Plan(timeoutSeconds: 1);
        _timeoutResult = "pending";
        var id = await StartAsync();
        await NextDispatchAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(1, true, null));

        Assert.Equal(2, (await NextDispatchAsync()).Attempt);
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(2, false, "completed"));
        Assert.Equal("completed", await OutputAsync(id));
    }

    [Fact]
    public async Task A_cancel_while_waiting_for_dependencies_ends_the_run_without_dispatch()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-a", "completed"));
        await Client.RaiseEventAsync(id, WorkflowNames.CancelEvent, true);

        Assert.Equal("cancelled", await OutputAsync(id));
        Assert.Equal(["notify cancelled"], _calls);
    }

    [Fact]
    public async Task A_failed_dependency_fails_the_task_naming_it()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-b", "failed"));

        Assert.Equal("failed", await OutputAsync(id));
        Assert.Equal(["fail: Dependency task-b failed.", "notify failed"], _calls);
    }

    [Fact]
    public async Task All_dependencies_completed_lets_the_task_run()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-b", "completed"));
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-x", "failed"));
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-a", "completed"));

        Assert.Equal(1, (await NextDispatchAsync()).Attempt);
        await Client.RaiseEventAsync(id, WorkflowNames.AttemptEvent, new AttemptUpdate(1, false, "completed"));
        Assert.Equal("completed", await OutputAsync(id));
    }
}
