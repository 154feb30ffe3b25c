using Microsoft.DurableTask;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>Version 1: registers the task with its dependencies and reads what to wait for, in version 1's shape.</summary>
public sealed class PrepareTaskActivity(TaskLifecycle lifecycle, IOptions<WorkflowOptions> options) : TaskActivity<string, TaskPlanV1?>
{
    public override async Task<TaskPlanV1?> RunAsync(TaskActivityContext context, string input)
    {
        var plan = await lifecycle.PlanAsync(input, CancellationToken.None);
        return plan is null
            ? null
            : new TaskPlanV1(plan.Status.ToWire(), plan.ScheduledAt, plan.TimeoutSeconds, plan.Attempt, plan.WaitingFor, plan.FailedDependency, options.Value.RetryBaseDelaySeconds, options.Value.RetryMaxDelaySeconds);
    }
}
