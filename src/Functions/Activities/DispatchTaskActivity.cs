using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Queues the attempt and sends its message (idempotent); says where the task is if it moved past it.</summary>
public sealed class DispatchTaskActivity(TaskLifecycle lifecycle) : TaskActivity<AttemptRef, DispatchResult>
{
    public override Task<DispatchResult> RunAsync(TaskActivityContext context, AttemptRef input) =>
        lifecycle.DispatchAsync(input, CancellationToken.None);
}
