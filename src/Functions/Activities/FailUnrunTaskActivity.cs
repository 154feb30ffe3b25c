using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Fails a task that will never run, such as one whose dependency failed.</summary>
public sealed class FailUnrunTaskActivity(TaskLifecycle lifecycle) : TaskActivity<FailTaskRequest, TaskChange>
{
    public override Task<TaskChange> RunAsync(TaskActivityContext context, FailTaskRequest input) =>
        lifecycle.FailUnrunAsync(input, CancellationToken.None);
}
