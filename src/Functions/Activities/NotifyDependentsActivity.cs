using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Tells every task that waits for this one that it ended (an event to each dependent's orchestration).</summary>
public sealed class NotifyDependentsActivity(TaskRepository tasks, DurableTaskClient client) : TaskActivity<DependencyFinished, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, DependencyFinished input)
    {
        var dependents = await tasks.GetDependentsAsync(input.TaskId, CancellationToken.None);
        foreach (var dependent in dependents)
        {
            await TaskWorkflowClient.RaiseDependencyAsync(client, dependent, input, CancellationToken.None);
        }

        return dependents.Count;
    }
}
