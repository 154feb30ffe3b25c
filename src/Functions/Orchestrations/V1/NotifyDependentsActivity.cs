using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>Version 1: tells every task that waits for this one that it ended ("deleted" reads as cancelled).</summary>
public sealed class NotifyDependentsActivity(TaskLifecycle lifecycle, DurableTaskClient client) : TaskActivity<DependencyFinishedV1, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, DependencyFinishedV1 input) =>
        lifecycle.NotifyDependentsAsync(
            new DependencyFinished(input.TaskId, TaskStates.TryParse(input.Status, out var status) ? status : TaskState.Cancelled),
            client,
            CancellationToken.None);
}
