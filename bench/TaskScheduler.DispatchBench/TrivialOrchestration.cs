using Microsoft.DurableTask;

namespace TaskScheduler.DispatchBench;

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
