using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>The attempt's timer fired: times it out if it is past its deadline, else says when to look again.</summary>
public sealed class CheckAttemptActivity(TaskLifecycle lifecycle) : TaskActivity<AttemptRef, AttemptCheck>
{
    public override Task<AttemptCheck> RunAsync(TaskActivityContext context, AttemptRef input) =>
        lifecycle.CheckAttemptAsync(input, CancellationToken.None);
}
