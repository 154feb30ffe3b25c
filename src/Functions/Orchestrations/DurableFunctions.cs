using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// One-line Functions wrappers around the class-based orchestrator and activities (the Durable source generator
/// that would write these is not available here). Names come from <c>nameof</c>, so they match the registry.
/// </summary>
public static class DurableFunctions
{
    [Function(WorkflowNames.TaskOrchestration)]
    public static Task<string> TaskOrchestration([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new TaskOrchestration().RunAsync(context, context.GetInput<TaskWorkflowInput>()!);

    [Function(nameof(PrepareTaskActivity))]
    public static Task<TaskPlan?> PrepareTask([ActivityTrigger] string taskId, FunctionContext context) =>
        Create<PrepareTaskActivity>(context).RunAsync(null!, taskId);

    [Function(nameof(DispatchAttemptActivity))]
    public static Task<string> DispatchAttempt([ActivityTrigger] AttemptRef attempt, FunctionContext context) =>
        Create<DispatchAttemptActivity>(context).RunAsync(null!, attempt);

    [Function(nameof(TimeOutAttemptActivity))]
    public static Task<string> TimeOutAttempt([ActivityTrigger] AttemptRef attempt, FunctionContext context) =>
        Create<TimeOutAttemptActivity>(context).RunAsync(null!, attempt);

    [Function(nameof(FailTaskActivity))]
    public static Task<string> FailTask([ActivityTrigger] FailTaskRequest request, FunctionContext context) =>
        Create<FailTaskActivity>(context).RunAsync(null!, request);

    [Function(nameof(NotifyDependentsActivity))]
    public static Task<int> NotifyDependents([ActivityTrigger] DependencyFinished finished, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Create<NotifyDependentsActivity>(context, client).RunAsync(null!, finished);

    private static T Create<T>(FunctionContext context, params object[] arguments) =>
        ActivatorUtilities.CreateInstance<T>(context.InstanceServices, arguments);
}
