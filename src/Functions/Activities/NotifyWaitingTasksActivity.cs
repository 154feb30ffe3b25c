using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Tells every task that waits for this one that it ended; run only when there are such tasks.</summary>
public sealed class NotifyWaitingTasksActivity(TaskLifecycle lifecycle, DurableTaskClient client) : TaskActivity<DependencyFinished, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, DependencyFinished input) =>
        lifecycle.NotifyDependentsAsync(input, client, CancellationToken.None);
}
