using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// Starts a task's orchestration and raises its events. Takes the <see cref="DurableTaskClient"/> per call,
/// because the Functions host hands it to a function as a binding while SelfHost has it in DI.
/// </summary>
public static class TaskWorkflowClient
{
    private static readonly TimeSpan PreviousRunGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts the orchestration of a task (instance id = task id). A finished previous run (a manual retry) is
    /// replaced; one still finishing is given a few seconds, then terminated.
    /// </summary>
    public static async Task StartAsync(DurableTaskClient client, string taskId, CancellationToken cancellationToken)
    {
        var existing = await client.GetInstanceAsync(taskId, cancellationToken);
        if (existing is { IsRunning: true } or { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
        {
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(PreviousRunGrace);
            try
            {
                await client.WaitForInstanceCompletionAsync(taskId, grace.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await client.TerminateInstanceAsync(taskId, "superseded by a new run of the task", cancellationToken);
                await client.WaitForInstanceCompletionAsync(taskId, cancellationToken);
            }
        }

        await client.ScheduleNewOrchestrationInstanceAsync(
            WorkflowNames.TaskOrchestration,
            new TaskWorkflowInput(taskId),
            new StartOrchestrationOptions(InstanceId: taskId),
            cancellationToken);
    }

    /// <summary>A deleted task's orchestration: stopped if it still waits (e.g. on a timer), and its history purged.</summary>
    public static async Task RemoveAsync(DurableTaskClient client, string taskId, CancellationToken cancellationToken)
    {
        var existing = await client.GetInstanceAsync(taskId, cancellationToken);
        if (existing is null)
        {
            return;
        }

        if (!existing.IsCompleted)
        {
            await client.TerminateInstanceAsync(taskId, "task deleted", cancellationToken);
            await client.WaitForInstanceCompletionAsync(taskId, cancellationToken);
        }

        await client.PurgeInstanceAsync(taskId, null, cancellationToken);
    }

    public static Task RaiseAttemptAsync(DurableTaskClient client, string taskId, AttemptUpdate update, CancellationToken cancellationToken) =>
        RaiseAsync(client, taskId, WorkflowNames.AttemptEvent, update, cancellationToken);

    public static Task RaiseCancelAsync(DurableTaskClient client, string taskId, CancellationToken cancellationToken) =>
        RaiseAsync(client, taskId, WorkflowNames.CancelEvent, true, cancellationToken);

    public static Task RaiseDependencyAsync(DurableTaskClient client, string dependentId, DependencyFinished finished, CancellationToken cancellationToken) =>
        RaiseAsync(client, dependentId, WorkflowNames.DependencyEvent, finished, cancellationToken);

    private static Task RaiseAsync(DurableTaskClient client, string instanceId, string name, object payload, CancellationToken cancellationToken) =>
        client.RaiseEventAsync(instanceId, name, payload, cancellationToken);
}
