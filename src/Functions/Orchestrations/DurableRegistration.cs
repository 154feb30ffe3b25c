using Microsoft.DurableTask;
using TaskScheduler.Functions.Activities;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// The orchestrations and activities of the app, listed once: SelfHost's worker registers exactly these, and the
/// Functions host reaches the same classes through the one-line wrappers in <see cref="DurableFunctions"/> (a test
/// proves every one of them has its wrapper in functions.metadata).
/// </summary>
public static class DurableRegistration
{
    /// <summary>Version 2 first; version 1 stays until no instance of it runs.</summary>
    public static IReadOnlyList<Type> Orchestrators { get; } = [typeof(TaskWorkflow), typeof(ScheduleWorkflow), typeof(V1.TaskOrchestrationV1)];

    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(PlanTaskActivity),
        typeof(DispatchTaskActivity),
        typeof(CheckAttemptActivity),
        typeof(FailUnrunTaskActivity),
        typeof(NotifyWaitingTasksActivity),
        typeof(FireScheduleActivity),
        typeof(V1.PrepareTaskActivity),
        typeof(V1.DispatchAttemptActivity),
        typeof(V1.TimeOutAttemptActivity),
        typeof(V1.FailTaskActivity),
        typeof(V1.NotifyDependentsActivity),
    ];

    public static DurableTaskRegistry AddSchedulerTasks(this DurableTaskRegistry registry)
    {
        foreach (var orchestrator in Orchestrators)
        {
            registry.AddOrchestrator(orchestrator);
        }

        foreach (var activity in Activities)
        {
            registry.AddActivity(activity);
        }

        return registry;
    }
}
