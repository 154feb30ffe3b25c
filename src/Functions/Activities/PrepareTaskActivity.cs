using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Registers the task with its dependencies and reads what the orchestration must wait for.</summary>
public sealed class PrepareTaskActivity(TaskLifecycle lifecycle) : TaskActivity<string, TaskPlan?>
{
    public override Task<TaskPlan?> RunAsync(TaskActivityContext context, string input) =>
        lifecycle.PrepareAsync(input, CancellationToken.None);
}
