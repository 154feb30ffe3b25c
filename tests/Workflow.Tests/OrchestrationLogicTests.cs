using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;
using TaskScheduler.Functions.Orchestrations;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>
/// The version-2 orchestrator's decisions alone, on the in-memory <see cref="DurableTaskTestHost"/>: the activities
/// are replaced by scripted ones registered under the same names, and the test plays the lifecycle by raising events.
/// </summary>
public sealed class OrchestrationLogicTests : IAsyncLifetime
{
    private readonly Channel<AttemptRef> _dispatched = Channel.CreateUnbounded<AttemptRef>();
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentQueue<TaskPlan> _plans = new();
    private TaskPlan _plan = Plan();
    private AttemptCheck _check = AttemptCheck.Over(new TaskChange(TaskState.Failed, 1, false));
    private int _waitsBeforeDispatch;
    private int _failingCalls;
    private DurableTaskTestHost? _host;

    private DurableTaskClient Client => _host!.Client;

    private static TaskPlan Plan(int timeoutSeconds = 3600, DateTimeOffset? scheduledAt = null, params string[] waitingFor) =>
        new(TaskState.Pending, 0, scheduledAt, timeoutSeconds, waitingFor, null);

    public async Task InitializeAsync() => _host = await DurableTaskTestHost.StartAsync(registry => registry
        .AddOrchestrator<TaskWorkflow>()
        .AddActivityFunc<string, TaskPlan?>(nameof(PlanTaskActivity), (_, _) =>
        {
            Blip("plan");
            _calls.Enqueue("plan");
            return _plans.TryDequeue(out var next) ? next : _plan;
        })
        .AddActivityFunc<AttemptRef, DispatchResult>(nameof(DispatchTaskActivity), (_, attempt) =>
        {
            if (Interlocked.Decrement(ref _waitsBeforeDispatch) >= 0)
            {
                _calls.Enqueue($"wait {attempt.Attempt}");
                return DispatchResult.Wait(DateTimeOffset.UtcNow.AddSeconds(1));
            }

            _calls.Enqueue($"dispatch {attempt.Attempt}");
            _dispatched.Writer.TryWrite(attempt);
            return DispatchResult.Sent(_plan.TimeoutSeconds);
        })
        .AddActivityFunc<AttemptRef, AttemptCheck>(nameof(CheckAttemptActivity), (_, attempt) =>
        {
            _calls.Enqueue($"check {attempt.Attempt}");
            return _check;
        })
        .AddActivityFunc<FailTaskRequest, TaskChange>(nameof(FailUnrunTaskActivity), (_, request) =>
        {
            _calls.Enqueue($"fail: {request.Error}");
            return new TaskChange(TaskState.Failed, 0, false);
        })
        .AddActivityFunc<DependencyFinished, int>(nameof(NotifyWaitingTasksActivity), (_, finished) =>
        {
            Blip("notify");
            _calls.Enqueue($"notify {finished.Status.ToWire()}");
            return 1;
        }),
        // A port the OS just handed out: the test host's own choice (random in 30000-40000) can land on one that a
        // process of another test in this run holds (ports from 32768 up are the kernel's ephemeral range).
        new DurableTaskTestHostOptions { Port = FreePort.Next() });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    private async Task<string> StartAsync(int dispatched = 0) =>
        await Client.ScheduleNewOrchestrationInstanceAsync(WorkflowNames.TaskWorkflow, new TaskRun("task-1", dispatched, _plan.TimeoutSeconds));

    /// <summary>A storage fault inside the activity: the first <see cref="_failingCalls"/> calls throw.</summary>
    private void Blip(string activity)
    {
        if (Interlocked.Decrement(ref _failingCalls) >= 0)
        {
            _calls.Enqueue("fault " + activity);
            throw new InvalidOperationException("simulated storage fault");
        }
    }

    private async Task<AttemptRef> NextDispatchAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await _dispatched.Reader.ReadAsync(timeout.Token);
    }

    private Task RaiseAsync(string id, TaskState status, int attempt, bool hasDependents = false) =>
        Client.RaiseEventAsync(id, WorkflowNames.ChangedEvent, new TaskChange(status, attempt, hasDependents, status == TaskState.Pending ? DateTimeOffset.UtcNow : null));

    private async Task<TaskState> OutputAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var metadata = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        return metadata.ReadOutputAs<TaskState>();
    }

    [Fact]
    public async Task A_task_dispatched_by_its_create_is_not_planned_or_dispatched_again()
    {
        var id = await StartAsync(dispatched: 1);
        await RaiseAsync(id, TaskState.Completed, 1);

        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task Failed_attempts_are_dispatched_again_until_the_task_is_settled()
    {
        var id = await StartAsync();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(attempt, (await NextDispatchAsync()).Attempt);
            await RaiseAsync(id, attempt < 3 ? TaskState.Pending : TaskState.Failed, attempt, hasDependents: true);
        }

        Assert.Equal(TaskState.Failed, await OutputAsync(id));
        Assert.Equal(["plan", "dispatch 1", "dispatch 2", "dispatch 3", "notify failed"], _calls);
    }

    [Fact]
    public async Task An_activity_that_fails_is_retried_and_the_run_goes_on()
    {
        _failingCalls = 2;
        var id = await StartAsync();
        Assert.Equal(1, (await NextDispatchAsync()).Attempt);
        _failingCalls = 1;
        await RaiseAsync(id, TaskState.Completed, 1, hasDependents: true);

        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Equal(["fault plan", "fault plan", "plan", "dispatch 1", "fault notify", "notify completed"], _calls);
    }

    [Fact]
    public async Task A_change_for_another_attempt_is_ignored_and_no_dependents_means_no_notify()
    {
        var id = await StartAsync(dispatched: 1);
        await RaiseAsync(id, TaskState.Completed, 7);
        await RaiseAsync(id, TaskState.Completed, 1);

        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Empty(_calls);
    }

    [Fact]
    public async Task The_timer_armed_with_the_dispatch_checks_the_attempt_and_re_arms_until_it_is_over()
    {
        _plan = Plan(timeoutSeconds: 1);
        _check = AttemptCheck.Later(DateTimeOffset.UtcNow.AddSeconds(2));
        var id = await StartAsync(dispatched: 1);
        await Poll.UntilAsync(() => Task.FromResult(_calls.Contains("check 1")), seen => seen, TimeSpan.FromSeconds(20), "check 1");
        _check = AttemptCheck.Over(new TaskChange(TaskState.Failed, 1, false));

        Assert.Equal(TaskState.Failed, await OutputAsync(id));
        Assert.Equal(["check 1", "check 1"], _calls);
    }

    [Fact]
    public async Task An_hour_long_timeout_is_first_checked_soon_after_the_dispatch_so_no_timer_outlives_a_short_task_by_an_hour()
    {
        // A durable timer is a stored queue message until it fires, whether or not the task already ended.
        _plan = Plan(timeoutSeconds: 3600);
        _check = AttemptCheck.Later(DateTimeOffset.UtcNow.AddHours(1));
        var started = DateTimeOffset.UtcNow;
        var id = await StartAsync(dispatched: 1);

        await Poll.UntilAsync(() => Task.FromResult(_calls.Contains("check 1")), seen => seen, TimeSpan.FromSeconds(TaskWorkflow.FirstCheckSeconds + 60), "the first check");
        var after = DateTimeOffset.UtcNow - started;
        Assert.True(after >= TimeSpan.FromSeconds(TaskWorkflow.FirstCheckSeconds - 1), $"checked after {after}");

        // Re-armed for what the check said (the deadline), not checked again meanwhile; the end still arrives.
        await RaiseAsync(id, TaskState.Completed, 1);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Equal(["check 1"], _calls);
    }

    [Fact]
    public async Task A_timed_out_attempt_with_retries_left_dispatches_the_next_one()
    {
        _plan = Plan(timeoutSeconds: 1);
        _check = AttemptCheck.Over(new TaskChange(TaskState.Pending, 1, false, DateTimeOffset.UtcNow));
        var id = await StartAsync(dispatched: 1);

        Assert.Equal(2, (await NextDispatchAsync()).Attempt);
        await RaiseAsync(id, TaskState.Completed, 2);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
    }

    [Fact]
    public async Task The_next_attempt_waits_while_the_previous_one_may_still_run()
    {
        _waitsBeforeDispatch = 2;
        var id = await StartAsync(dispatched: 1);
        await RaiseAsync(id, TaskState.Pending, 1);

        Assert.Equal(2, (await NextDispatchAsync()).Attempt);
        await RaiseAsync(id, TaskState.Completed, 2);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Equal(["wait 2", "wait 2", "dispatch 2"], _calls);
    }

    [Fact]
    public async Task A_cancel_while_waiting_for_dependencies_ends_the_run_without_dispatch()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-a", TaskState.Completed));
        await RaiseAsync(id, TaskState.Cancelled, 0, hasDependents: true);

        Assert.Equal(TaskState.Cancelled, await OutputAsync(id));
        Assert.Equal(["plan", "notify cancelled"], _calls);
    }

    [Fact]
    public async Task A_failed_dependency_fails_the_task_naming_it()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-b", TaskState.Failed));

        Assert.Equal(TaskState.Failed, await OutputAsync(id));
        Assert.Equal(["plan", "fail: Dependency task-b failed."], _calls);
    }

    [Fact]
    public async Task All_dependencies_completed_lets_the_task_run()
    {
        _plan = Plan(waitingFor: ["task-a", "task-b"]);
        var id = await StartAsync();
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-b", TaskState.Completed));
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-x", TaskState.Failed));
        await Client.RaiseEventAsync(id, WorkflowNames.DependencyEvent, new DependencyFinished("task-a", TaskState.Completed));

        Assert.Equal(1, (await NextDispatchAsync()).Attempt);
        await RaiseAsync(id, TaskState.Completed, 1);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
    }

    [Fact]
    public async Task An_edit_re_plans_a_waiting_task_and_drops_a_dependency_no_longer_named()
    {
        _plan = Plan(waitingFor: ["task-a"]);
        var id = await StartAsync();
        await Poll.UntilAsync(() => Task.FromResult(_calls.Contains("plan")), seen => seen, TimeSpan.FromSeconds(20), "plan");
        _plans.Enqueue(Plan());
        await Client.RaiseEventAsync(id, WorkflowNames.ReplanEvent, true);

        Assert.Equal(1, (await NextDispatchAsync()).Attempt);
        await RaiseAsync(id, TaskState.Completed, 1);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
        Assert.Equal(["plan", "plan", "dispatch 1"], _calls);
    }

    [Fact]
    public async Task An_edit_moves_the_schedule_timer()
    {
        _plan = Plan(scheduledAt: DateTimeOffset.UtcNow.AddHours(1));
        var id = await StartAsync();
        await Poll.UntilAsync(() => Task.FromResult(_calls.Contains("plan")), seen => seen, TimeSpan.FromSeconds(20), "plan");
        _plans.Enqueue(Plan(scheduledAt: DateTimeOffset.UtcNow));
        await Client.RaiseEventAsync(id, WorkflowNames.ReplanEvent, true);

        Assert.Equal(1, (await NextDispatchAsync()).Attempt);
        await RaiseAsync(id, TaskState.Completed, 1);
        Assert.Equal(TaskState.Completed, await OutputAsync(id));
    }
}
