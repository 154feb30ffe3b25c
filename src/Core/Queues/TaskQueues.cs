using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Queues;

/// <summary>Puts dispatch messages on the queue of a task's priority band.</summary>
public sealed class TaskQueues(SchedulerStorage storage)
{
    /// <summary>A dispatch message waits as long as it takes for an agent: it never expires.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public Task EnqueueAsync(string taskId, int attempt, int priority, string? traceParent, CancellationToken cancellationToken) =>
        storage.Queue(QueueNames.ForPriority(priority))
            .SendMessageAsync(new DispatchMessage(taskId, attempt, traceParent).ToJson(), visibilityTimeout: null, timeToLive: NeverExpires, cancellationToken);
}
