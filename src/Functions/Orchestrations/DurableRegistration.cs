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
    public static IReadOnlyList<Type> Orchestrators { get; } = [typeof(TaskOrchestration)];

    public static IReadOnlyList<Type> Activities { get; } =
    [
        typeof(PrepareTaskActivity),
        typeof(DispatchAttemptActivity),
        typeof(TimeOutAttemptActivity),
        typeof(FailTaskActivity),
        typeof(NotifyDependentsActivity),
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
