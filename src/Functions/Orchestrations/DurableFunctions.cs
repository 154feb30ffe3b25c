using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using TaskScheduler.Core.Schedules;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;
using TaskScheduler.Functions.Activities;
using TaskScheduler.Functions.Orchestrations.V1;

namespace TaskScheduler.Functions.Orchestrations;

/// <summary>
/// One-line Functions wrappers around the class-based orchestrators and activities (the Durable source generator
/// that would write these is not available here). Names come from <c>nameof</c>, so they match the registry.
/// </summary>
public static class DurableFunctions
{
    [Function(WorkflowNames.TaskWorkflow)]
    public static Task<TaskState> TaskWorkflow([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new TaskWorkflow().RunAsync(context, context.GetInput<TaskRun>()!);

    [Function(nameof(PlanTaskActivity))]
    public static Task<TaskPlan?> PlanTask([ActivityTrigger] string taskId, FunctionContext context) =>
        Create<PlanTaskActivity>(context).RunAsync(null!, taskId);

    [Function(nameof(DispatchTaskActivity))]
    public static Task<DispatchResult> DispatchTask([ActivityTrigger] AttemptRef attempt, FunctionContext context) =>
        Create<DispatchTaskActivity>(context).RunAsync(null!, attempt);

    [Function(nameof(CheckAttemptActivity))]
    public static Task<AttemptCheck> CheckAttempt([ActivityTrigger] AttemptRef attempt, FunctionContext context) =>
        Create<CheckAttemptActivity>(context).RunAsync(null!, attempt);

    [Function(nameof(FailUnrunTaskActivity))]
    public static Task<TaskChange> FailUnrunTask([ActivityTrigger] FailTaskRequest request, FunctionContext context) =>
        Create<FailUnrunTaskActivity>(context).RunAsync(null!, request);

    [Function(nameof(NotifyWaitingTasksActivity))]
    public static Task<int> NotifyWaitingTasks([ActivityTrigger] DependencyFinished finished, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Create<NotifyWaitingTasksActivity>(context, client).RunAsync(null!, finished);

    [Function(WorkflowNames.ScheduleWorkflow)]
    public static Task<string> ScheduleWorkflow([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new ScheduleWorkflow().RunAsync(context, context.GetInput<ScheduleRun>()!);

    [Function(nameof(FireScheduleActivity))]
    public static Task<ScheduleStep> FireSchedule([ActivityTrigger] ScheduleRun run, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Create<FireScheduleActivity>(context, client).RunAsync(null!, run);

    // Version 1, registered until no instance of it runs (see TaskOrchestrationV1).
    [Function(WorkflowNames.TaskOrchestrationV1)]
    public static Task<string> TaskOrchestrationV1([OrchestrationTrigger] TaskOrchestrationContext context) =>
        new TaskOrchestrationV1().RunAsync(context, context.GetInput<TaskWorkflowInput>()!);

    [Function(nameof(PrepareTaskActivity))]
    public static Task<TaskPlanV1?> PrepareTask([ActivityTrigger] string taskId, FunctionContext context) =>
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
    public static Task<int> NotifyDependents([ActivityTrigger] DependencyFinishedV1 finished, [DurableClient] DurableTaskClient client, FunctionContext context) =>
        Create<NotifyDependentsActivity>(context, client).RunAsync(null!, finished);

    private static T Create<T>(FunctionContext context, params object[] arguments) =>
        ActivatorUtilities.CreateInstance<T>(context.InstanceServices, arguments);
}
