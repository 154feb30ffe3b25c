using System.ComponentModel.DataAnnotations;

namespace TaskScheduler.Core.Workflow;

/// <summary>Timing of the scheduler (section <c>Scheduler</c>, e.g. <c>Scheduler__RetryBaseDelaySeconds</c>).</summary>
public sealed class WorkflowOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>First automatic retry waits about this long; each next one twice as long (with ±20 % jitter).</summary>
    [Range(0.1, 3600)]
    public double RetryBaseDelaySeconds { get; set; } = 2;

    /// <summary>The longest back-off between automatic retries.</summary>
    [Range(1, 86400)]
    public double RetryMaxDelaySeconds { get; set; } = 300;

    /// <summary>How often agents heart-beat (decisions.md: 10 s); told to each agent when it registers.</summary>
    [Range(1, 300)]
    public int HeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>A worker is offline, and its running attempts lost, after this long without a heartbeat.</summary>
    [Range(3, 3600)]
    public int WorkerOfflineAfterSeconds { get; set; } = 30;



    /// <summary>A task must be at least this old before the sweep judges its orchestration missing.</summary>
    [Range(1, 3600)]
    public int ReconcileGraceSeconds { get; set; } = 30;

    /// <summary>
    /// The scheduler's own timeout fires this long after an attempt's <c>timeout_seconds</c>: the agent enforces the
    /// exact timeout and reports it; the scheduler's timer is the backstop for an agent that cannot.
    /// </summary>
    [Range(0, 600)]
    public int TimeoutGraceSeconds { get; set; } = 2;

    /// <summary>
    /// How long a finished task's orchestration history is kept before it is purged (the task row keeps everything
    /// users see). Short, because the engine's tables only grow otherwise.
    /// </summary>
    [Range(0, 30 * 86400)]
    public int HistoryRetentionSeconds { get; set; } = 300;


    /// <summary>How often the finished-task counters (metrics, workers' completed and failed) are written.</summary>
    [Range(1, 300)]
    public int CountersFlushSeconds { get; set; } = 2;
}
