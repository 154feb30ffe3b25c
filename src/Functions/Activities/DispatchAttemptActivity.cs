using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Sets the task <c>queued</c> and puts the attempt on its priority queue; returns the status after.</summary>
public sealed class DispatchAttemptActivity(TaskLifecycle lifecycle) : TaskActivity<AttemptRef, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, AttemptRef input) =>
        lifecycle.DispatchAsync(input, CancellationToken.None);
}
