using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TaskScheduler.Core.Workflow;

/// <summary>
/// Purges the Durable history of finished orchestrations after <see cref="WorkflowOptions.HistoryRetentionSeconds"/>:
/// the task row keeps everything users see, and without this the engine's <c>History</c> and <c>Instances</c>
/// tables grow for ever (in Azure that is storage paid for; on Azurite every episode's history query scans the table,
/// so throughput falls as it grows). A retried task simply gets a new run.
/// </summary>
public sealed partial class HistoryPurger(TimeProvider clock, IOptions<WorkflowOptions> options, ILogger<HistoryPurger> logger)
{
    private static readonly OrchestrationRuntimeStatus[] Finished =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    public async Task<int> PurgeAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow().AddSeconds(-options.Value.HistoryRetentionSeconds);
        var result = await client.PurgeAllInstancesAsync(new PurgeInstancesFilter(DateTimeOffset.UnixEpoch, before, Finished), cancellationToken);
        if (result.PurgedInstanceCount > 0)
        {
            LogPurged(logger, result.PurgedInstanceCount, before);
        }

        return result.PurgedInstanceCount;
    }

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Purged the history of {Count} finished orchestrations created before {Before:o}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset before);
}
