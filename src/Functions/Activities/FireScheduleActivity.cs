using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Schedules;

namespace TaskScheduler.Functions.Activities;

/// <summary>A schedule's firing step: makes the tasks that are due and says when to come back.</summary>
public sealed class FireScheduleActivity(ScheduleService schedules, DurableTaskClient client) : TaskActivity<ScheduleRun, ScheduleStep>
{
    public override Task<ScheduleStep> RunAsync(TaskActivityContext context, ScheduleRun input) =>
        schedules.FireDueAsync(input, client, CancellationToken.None);
}
