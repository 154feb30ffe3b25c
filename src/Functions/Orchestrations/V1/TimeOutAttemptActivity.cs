using Microsoft.DurableTask;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>Version 1: ends a running attempt as timed out (unless it ended meanwhile); returns the status after.</summary>
public sealed class TimeOutAttemptActivity(TaskLifecycle lifecycle) : TaskActivity<AttemptRef, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, AttemptRef input) =>
        (await lifecycle.TimeOutAsync(input, CancellationToken.None)).Status.ToWire();
}
