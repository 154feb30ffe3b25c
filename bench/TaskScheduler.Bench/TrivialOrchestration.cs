using Microsoft.DurableTask;

namespace TaskScheduler.Bench;

/// <summary>The smallest orchestration that still schedules work: one activity, then done.</summary>
public sealed class TrivialOrchestration : TaskOrchestrator<int, int>
{
    public override Task<int> RunAsync(TaskOrchestrationContext context, int input) =>
        context.CallActivityAsync<int>(nameof(NoOpActivity), input);
}

/// <summary>The trivial orchestration's activity: returns its input.</summary>
public sealed class NoOpActivity : TaskActivity<int, int>
{
    public override Task<int> RunAsync(TaskActivityContext context, int input) => Task.FromResult(input);
}

/// <summary>
/// A dispatched no-op task's orchestration without the app: arm the first-check timer, wait for the end event (or
/// the timer), cancel the timer, finish. Its input is the timer's seconds.
/// </summary>
public sealed class AttemptShapeOrchestration : TaskOrchestrator<int, bool>
{
    public const string EndEvent = "TaskChanged";

    public override async Task<bool> RunAsync(TaskOrchestrationContext context, int input)
    {
        using var cancel = new CancellationTokenSource();
        var timer = context.CreateTimer(TimeSpan.FromSeconds(input), cancel.Token);
        var ended = context.WaitForExternalEvent<int>(EndEvent);
        if (await Task.WhenAny(ended, timer) == ended)
        {
            // Cancel, not CancelAsync: the timer must be cancelled on the orchestration's own thread (CancelAsync runs
            // it on the thread pool, and the episode then never completes: the instance stays Running).
            cancel.Cancel();
            return true;
        }

        return false;
    }
}
