using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Registers a task not yet dispatched with its dependencies and reads what it must wait for.</summary>
public sealed class PlanTaskActivity(TaskLifecycle lifecycle) : TaskActivity<string, TaskPlan?>
{
    public override Task<TaskPlan?> RunAsync(TaskActivityContext context, string input) =>
        lifecycle.PlanAsync(input, CancellationToken.None);
}
