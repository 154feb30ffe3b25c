using Microsoft.DurableTask;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Activities;

/// <summary>Ends a running attempt as timed out (the agent is told to stop it at its next heartbeat).</summary>
public sealed class TimeOutAttemptActivity(TaskLifecycle lifecycle) : TaskActivity<AttemptRef, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, AttemptRef input) =>
        lifecycle.TimeOutAsync(input, CancellationToken.None);
}
