using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Workflow.Tests;

/// <summary>
/// A retry or a delete answers over HTTP, so it must not wait for the Durable side without bound: against a Durable
/// side that never finishes anything (a cold engine on Flex can take minutes), both return, having asked for what
/// they need (a termination), and leave the rest to a follow-up, the purger or the reconciler. The deadline below only
/// stops a hanging call from hanging the suite; it is not a timing assertion.
/// </summary>
public sealed class BoundedWaitTests
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private readonly TaskWorkflowClient _workflows = new(NullLogger<TaskWorkflowClient>.Instance);

    private static TaskItem Task(string id) => new()
    {
        Id = id,
        Name = "bounded",
        Command = "true",
        Status = TaskState.Pending,
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Deleting_a_task_whose_orchestration_never_ends_terminates_it_and_returns()
    {
        var durable = new UnresponsiveDurableClient(OrchestrationRuntimeStatus.Running);

        await _workflows.RemoveAsync(durable, "task-waiting", CancellationToken.None).WaitAsync(Hang);

        Assert.Equal(["terminate task-waiting"], durable.Calls);
    }

    [Fact]
    public async Task Deleting_a_task_whose_orchestration_ended_purges_it_at_once()
    {
        var durable = new UnresponsiveDurableClient(OrchestrationRuntimeStatus.Completed);

        await _workflows.RemoveAsync(durable, "task-done", CancellationToken.None).WaitAsync(Hang);

        Assert.Equal(["purge task-done"], durable.Calls);
    }

    [Fact]
    public async Task A_retry_whose_previous_run_never_ends_terminates_it_and_leaves_the_start_to_the_reconciler()
    {
        var durable = new UnresponsiveDurableClient(OrchestrationRuntimeStatus.Running);

        var started = await _workflows.RestartAsync(durable, Task("task-retried"), CancellationToken.None).WaitAsync(Hang);

        Assert.False(started);
        Assert.Equal(["terminate task-retried"], durable.Calls);
    }

    [Fact]
    public async Task A_retry_whose_previous_run_ends_after_the_reply_gets_its_new_run_then()
    {
        var durable = new UnresponsiveDurableClient(OrchestrationRuntimeStatus.Running);
        Assert.False(await _workflows.RestartAsync(durable, Task("task-late"), CancellationToken.None).WaitAsync(Hang));

        durable.End();

        await Poll.UntilAsync(() => System.Threading.Tasks.Task.FromResult(durable.Calls), calls => calls.Contains("start task-late"), Hang, "the follow-up to start the new run");
        Assert.Equal(["terminate task-late", "start task-late"], durable.Calls);
    }

    [Fact]
    public async Task A_retry_whose_previous_run_ended_starts_the_new_run()
    {
        var durable = new UnresponsiveDurableClient(OrchestrationRuntimeStatus.Failed);

        var started = await _workflows.RestartAsync(durable, Task("task-failed"), CancellationToken.None).WaitAsync(Hang);

        Assert.True(started);
        Assert.Equal(["start task-failed"], durable.Calls);
    }

    /// <summary>
    /// A Durable client whose instance stays in one status until <see cref="End"/>: waits for it to end do not return
    /// before that (until cancelled), and terminations, purges and starts are recorded, not carried out.
    /// </summary>
    private sealed class UnresponsiveDurableClient(OrchestrationRuntimeStatus status) : DurableTaskClient("unresponsive")
    {
        private readonly ConcurrentQueue<string> _calls = new();
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _isEnded;

        public IReadOnlyList<string> Calls => [.. _calls];

        /// <summary>The instance ends (terminated) at last.</summary>
        public void End()
        {
            _isEnded = true;
            _ended.TrySetResult();
        }

        private OrchestrationRuntimeStatus Status => _isEnded ? OrchestrationRuntimeStatus.Terminated : status;

        public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            System.Threading.Tasks.Task.FromResult<OrchestrationMetadata?>(new OrchestrationMetadata(WorkflowNames.TaskWorkflow, instanceId) { RuntimeStatus = Status });

        public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
        {
            await _ended.Task.WaitAsync(cancellation);
            return new OrchestrationMetadata(WorkflowNames.TaskWorkflow, instanceId) { RuntimeStatus = Status };
        }

        public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
        {
            _calls.Enqueue($"terminate {instanceId}");
            return System.Threading.Tasks.Task.CompletedTask;
        }

        public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
        {
            _calls.Enqueue($"purge {instanceId}");
            return System.Threading.Tasks.Task.FromResult(new PurgeResult(1));
        }

        public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
        {
            _calls.Enqueue($"start {options?.InstanceId}");
            return System.Threading.Tasks.Task.FromResult(options?.InstanceId ?? string.Empty);
        }

        public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
            throw new NotSupportedException();

        public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
            throw new NotSupportedException();

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
