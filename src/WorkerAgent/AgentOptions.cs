using System.ComponentModel.DataAnnotations;

namespace TaskScheduler.WorkerAgent;

/// <summary>
/// The agent's settings (section <c>Agent</c>: appsettings.json, then <c>Agent__*</c> environment variables, then
/// <c>--Agent:Name=value</c> on the command line).
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    /// <summary>The API, e.g. <c>http://127.0.0.1:7071/api/</c>.</summary>
    [Required]
    public Uri ApiBaseUrl { get; set; } = new("http://127.0.0.1:7071/api/");

    /// <summary>An API key with the <c>workers</c> scope (sent as <c>Authorization: ApiKey ...</c>).</summary>
    public string? ApiKey { get; set; }

    /// <summary>A storage connection string for the queues (locally: Azurite's).</summary>
    public string? QueueConnection { get; set; }

    /// <summary>Or the queue service URI, used with <c>DefaultAzureCredential</c> (managed identity, az login...).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>The <c>Scheduler__StoragePrefix</c> of the system this agent serves.</summary>
    [RegularExpression("^[a-z0-9]{0,20}$")]
    public string QueuePrefix { get; set; } = string.Empty;

    /// <summary>How many commands run at once; default one per core.</summary>
    [Range(1, 256)]
    public int Slots { get; set; } = Environment.ProcessorCount;

    public string[] Tags { get; set; } = [];

    /// <summary>Reported to the scheduler; a new one is made at each start, so a restart never inherits old attempts.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Used until the scheduler says otherwise at registration.</summary>
    [Range(1, 300)]
    public int HeartbeatIntervalSeconds { get; set; } = 10;

    /// <summary>Idle polling backs off (with jitter) from the minimum to the maximum and resets when work arrives.</summary>
    [Range(10, 60_000)]
    public int MinPollMilliseconds { get; set; } = 50;

    /// <summary>
    /// The idle cap: bounds how long a task submitted to an idle system waits for its agent (p50 ~120 ms, p99 ~350 ms
    /// at 250 ms, bench/README.md) at 3 queue reads per poll, about 720 a minute per idle agent.
    /// </summary>
    [Range(10, 60_000)]
    public int MaxPollMilliseconds { get; set; } = 250;

    /// <summary>On SIGTERM, running commands get this long to finish before they are stopped.</summary>
    [Range(0, 3600)]
    public int DrainTimeoutSeconds { get; set; } = 30;

    /// <summary>Between SIGINT, SIGTERM and SIGKILL of a command's process group.</summary>
    [Range(0, 300)]
    public double StopGraceSeconds { get; set; } = 3;

    /// <summary>Where attempts get their working directory and checkpoint file.</summary>
    public string WorkDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "taskscheduler-agent");
}
