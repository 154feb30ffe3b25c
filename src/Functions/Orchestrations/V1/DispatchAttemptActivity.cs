using Microsoft.DurableTask;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>
/// Version 1: dispatches the attempt; "queued" when sent, else the status the task is in. Version 1 cannot wait for
/// the previous attempt's worker, so this activity waits (a few seconds at most, bounded by the worker's lease).
/// </summary>
public sealed class DispatchAttemptActivity(TaskLifecycle lifecycle, TimeProvider clock) : TaskActivity<AttemptRef, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, AttemptRef input)
    {
        while (true)
        {
            var result = await lifecycle.DispatchAsync(input, CancellationToken.None);
            if (result.TryAgainAt is not { } at)
            {
                return result.Dispatched ? TaskState.Queued.ToWire() : result.Over!.Status.ToWire();
            }

            await Task.Delay(at - clock.GetUtcNow() is { Ticks: > 0 } wait ? wait : TimeSpan.Zero, clock);
        }
    }
}
