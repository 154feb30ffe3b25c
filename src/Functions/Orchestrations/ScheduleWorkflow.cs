using Microsoft.DurableTask;
using TaskScheduler.Core.Schedules;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// The per-schedule orchestration (instance id = schedule id), eternal: fire what is due (an activity, so the
/// orchestration stays deterministic), then sleep until the next fire time or a change
/// (<see cref="WorkflowNames.ScheduleChangedEvent"/>), then <c>ContinueAsNew</c>, so its history is one turn long
/// whatever the schedule's age. It ends when the schedule is deleted. The schedule row is the only state: a turn
/// repeated after a crash fires nothing twice (<see cref="ScheduleService.FireDueAsync"/>).
/// </summary>
public sealed class ScheduleWorkflow : TaskOrchestrator<ScheduleRun, string>
{
    /// <summary>After a firing step failed every retry (storage down), the next turn comes this much later.</summary>
    internal static readonly TimeSpan FailedStepPause = TimeSpan.FromSeconds(30);

    public override async Task<string> RunAsync(TaskOrchestrationContext context, ScheduleRun input)
    {
        ScheduleStep step;
        try
        {
            step = await context.CallActivityAsync<ScheduleStep>(nameof(FireScheduleActivity), input, TaskWorkflow.Retried);
        }
        catch (TaskFailedException)
        {
            step = new ScheduleStep(true, context.CurrentUtcDateTime + FailedStepPause);
        }

        if (!step.Exists)
        {
            return "deleted";
        }

        var changed = context.WaitForExternalEvent<object?>(WorkflowNames.ScheduleChangedEvent);
        DateTimeOffset? dueBy = null;
        if (step.NextFireAt is { } next)
        {
            using var cancel = new CancellationTokenSource();
            var timer = context.CreateTimer(next.UtcDateTime, cancel.Token);
            if (await Task.WhenAny(changed, timer) == timer)
            {
                dueBy = next;
            }
            else
            {
                cancel.Cancel();
            }
        }
        else
        {
            await changed;
        }

        // A change that arrives while this turn ends is kept for the next one.
        context.ContinueAsNew(new ScheduleRun(input.ScheduleId, dueBy), preserveUnprocessedEvents: true);
        return "continued";
    }
}
