using System.ComponentModel.DataAnnotations;

namespace TaskScheduler.SelfHost.Durable;

/// <summary>
/// SelfHost's Durable engine, named like the Functions app's settings where one exists (<c>TaskHubName</c>,
/// <c>AzureWebJobsStorage</c>); the rest mirror host.json's <c>durableTask.storageProvider</c>.
/// </summary>
public sealed class DurableEngineOptions
{
    public const string SectionName = "DurableTask";

    /// <summary>One partition: a single SelfHost process owns the whole hub.</summary>
    [Range(1, 16)]
    public int PartitionCount { get; set; } = 1;

    /// <summary>
    /// The idle engine backs off to this between polls of its control and work-item queues. Short, because every
    /// step of a task (start, dispatch activity, events) waits up to one interval when the engine is idle.
    /// </summary>
    [Range(50, 30_000)]
    public int MaxQueuePollingIntervalMs { get; set; } = 250;

    [Range(1, 1000)]
    public int MaxConcurrentOrchestrations { get; set; } = 64;

    /// <summary>
    /// How long the control-queue partition lease lasts (renewed every third of it). Bounds how long a restarted
    /// SelfHost waits for the lease its killed predecessor held; each renewal is one table write.
    /// </summary>
    [Range(3, 60)]
    public int PartitionLeaseSeconds { get; set; } = 9;

    [Range(1, 1000)]
    public int MaxConcurrentActivities { get; set; } = 64;
}
