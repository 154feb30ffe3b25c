using Microsoft.DurableTask;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workflow;

namespace TaskScheduler.Functions.Orchestrations.V1;

/// <summary>Version 1: fails a task that will never run, such as one whose dependency failed.</summary>
public sealed class FailTaskActivity(TaskLifecycle lifecycle) : TaskActivity<FailTaskRequest, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, FailTaskRequest input) =>
        (await lifecycle.FailUnrunAsync(input, CancellationToken.None)).Status.ToWire();
}
