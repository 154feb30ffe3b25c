using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace TaskScheduler.SelfHost.Durable;

/// <summary>
/// SelfHost's Durable engine settings. They are host.json's <c>extensions.durableTask</c>, what the Functions host
/// runs with, read as the host reads it (comments allowed; an <c>AzureFunctionsJobHost__extensions__durableTask__...</c>
/// app setting overrides a value), except where one SelfHost process must differ: each such place is in
/// <see cref="ReadHostJson"/>, with its reason. Then SelfHost's own <c>DurableTask__*</c> settings apply on top
/// (tests and the bench shorten the poll with <c>DurableTask__MaxQueuePollingIntervalMs</c>).
/// </summary>
public sealed class DurableEngineOptions
{
    public const string SectionName = "DurableTask";

    /// <summary>SelfHost's control-queue partitions, where host.json has its own (see <see cref="ReadHostJson"/>).</summary>
    public const int SelfHostPartitionCount = 1;

    /// <summary>SelfHost's idle poll cap, where host.json has its own (see <see cref="ReadHostJson"/>).</summary>
    public const int SelfHostMaxQueuePollingIntervalMs = 250;

    /// <summary>SelfHost's concurrent activities and orchestrations, where host.json has its own (see <see cref="ReadHostJson"/>).</summary>
    public const int SelfHostMaxConcurrentFunctions = 64;

    /// <summary>Where host.json's <c>hubName</c> names no setting that is set (SelfHost runs without local.settings.json): the sample's value.</summary>
    public const string DefaultTaskHubName = "TaskScheduler";

    private const string HostJsonSection = "extensions:durableTask";
    private const string HostOverridesSection = "AzureFunctionsJobHost";

    /// <summary>host.json's <c>hubName</c>, its <c>%setting%</c> resolved against the app's settings.</summary>
    [Required]
    public string TaskHubName { get; set; } = string.Empty;

    /// <summary>host.json's <c>storageProvider.connectionName</c>: the setting holding the engine's connection string.</summary>
    [Required]
    public string ConnectionName { get; set; } = string.Empty;

    [Range(1, 16)]
    public int PartitionCount { get; set; }

    /// <summary>
    /// The idle engine backs off to this between polls of its control and work-item queues: every step of a task
    /// (start, dispatch activity, events) waits up to one interval when the engine is idle.
    /// </summary>
    [Range(50, 30_000)]
    public int MaxQueuePollingIntervalMs { get; set; }

    /// <summary>host.json's <c>storageProvider.controlQueueBatchSize</c>.</summary>
    [Range(1, 32)]
    public int ControlQueueBatchSize { get; set; }

    /// <summary>host.json's <c>extendedSessionsEnabled</c>.</summary>
    public bool ExtendedSessionsEnabled { get; set; }

    [Range(1, 1000)]
    public int MaxConcurrentOrchestrations { get; set; }

    [Range(1, 1000)]
    public int MaxConcurrentActivities { get; set; }

    /// <summary>
    /// SelfHost only (host.json keeps the extension's default): how long the control-queue partition lease lasts
    /// (renewed every third of it). Bounds how long a restarted SelfHost waits for the lease its killed predecessor
    /// held; each renewal is one table write.
    /// </summary>
    [Range(3, 60)]
    public int PartitionLeaseSeconds { get; set; } = 9;

    /// <summary>Sets every value host.json decides, from the file at <paramref name="hostJsonPath"/> and the overrides in <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">host.json is missing, or asks for what SelfHost's engine does not do.</exception>
    public void ReadHostJson(IConfiguration configuration, string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            throw new InvalidOperationException($"host.json is missing at {hostJsonPath}: SelfHost takes its Durable settings from it.");
        }

        // The JSON configuration provider skips comments and allows trailing commas, as the Functions host does; the
        // AzureFunctionsJobHost section of the app's settings overrides it key by key, as it does in the host.
        var hostJson = new ConfigurationBuilder()
            .AddJsonFile(hostJsonPath, optional: false, reloadOnChange: false)
            .AddConfiguration(configuration.GetSection(HostOverridesSection))
            .Build()
            .GetSection(HostJsonSection);
        var storage = hostJson.GetSection("storageProvider");

        // Absent keys take the Durable extension's defaults, as the Functions host would.
        if (storage["type"] is { Length: > 0 } type && !type.Equals("AzureStorage", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"host.json durableTask.storageProvider.type is '{type}': SelfHost runs the Azure Storage provider only.");
        }

        // SelfHost's sidecar always refuses an event to a missing or finished instance (SidecarCompatOrchestrationService).
        if (!Flag(hostJson, "throwStatusExceptionsOnRaiseEvent", true))
        {
            throw new InvalidOperationException("host.json durableTask.throwStatusExceptionsOnRaiseEvent is false: SelfHost's engine always throws on raising an event to a missing or finished instance.");
        }

        TaskHubName = ResolveHubName(configuration, hostJson["hubName"] ?? "%TaskHubName%");
        ConnectionName = storage["connectionName"] is { Length: > 0 } connection ? connection : "AzureWebJobsStorage";
        ControlQueueBatchSize = Number(storage, "controlQueueBatchSize") ?? 32;
        ExtendedSessionsEnabled = Flag(hostJson, "extendedSessionsEnabled", false);

        // Where SelfHost differs, and why (docs/deploy.md "What differs between the two hosts" lists the same):
        //
        // host.json's partitionCount lets that many Functions instances share the hub's orchestrations. SelfHost is
        // one process that owns every partition, so more partitions would only multiply its idle control-queue polls.
        // (A hub keeps the partition count it was created with, so this is also what existing local hubs have.)
        PartitionCount = SelfHostPartitionCount;

        // host.json's maxQueuePollingInterval (0.5 s) is priced for Azure, where every idle poll is a billed storage
        // transaction on every instance; SelfHost runs locally and in tests, where each step of an idle engine's
        // task waits up to one interval, so it polls twice as often.
        MaxQueuePollingIntervalMs = SelfHostMaxQueuePollingIntervalMs;

        // host.json's maxConcurrent*Functions (32/32) are per instance, and the Functions app scales out to more
        // instances under load; SelfHost is the only instance, so it runs twice as many at once.
        MaxConcurrentActivities = SelfHostMaxConcurrentFunctions;
        MaxConcurrentOrchestrations = SelfHostMaxConcurrentFunctions;
    }

    /// <summary>What the Functions host does with <c>%name%</c>: the app setting of that name; any other text is itself.</summary>
    private static string ResolveHubName(IConfiguration configuration, string expression) =>
        expression.Length > 2 && expression.StartsWith('%') && expression.EndsWith('%')
            ? configuration[expression.Trim('%')] is { Length: > 0 } value ? value : DefaultTaskHubName
            : expression;

    private static int? Number(IConfiguration section, string key) =>
        section[key] is { Length: > 0 } value ? int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private static bool Flag(IConfiguration section, string key, bool absent) =>
        section[key] is { Length: > 0 } value ? bool.Parse(value) : absent;
}
