using Microsoft.DurableTask;
using TaskScheduler.Functions.Activities;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// The orchestrations and activities of the app, registered once here for SelfHost's worker; the Functions host
/// reaches the same classes through the one-line wrappers in <see cref="DurableFunctions"/>.
/// </summary>
public static class DurableRegistration
{
    public static DurableTaskRegistry AddSchedulerTasks(this DurableTaskRegistry registry) => registry
        .AddOrchestrator<TaskOrchestration>()
        .AddActivity<PrepareTaskActivity>()
        .AddActivity<DispatchAttemptActivity>()
        .AddActivity<TimeOutAttemptActivity>()
        .AddActivity<FailTaskActivity>()
        .AddActivity<NotifyDependentsActivity>();
}
