using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>One task row as the bench reads it back (the scheduler's clock, millisecond precision).</summary>
public sealed record TaskTimes(string Id, string Status, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt);

/// <summary>
/// Watches a system's storage directly in Azurite, never through the counting proxy or the API, so observing adds
/// nothing to what is measured: the task hub's Instances table (an orchestration's runtime status) and the tasks
/// table (the scheduler's own timestamps).
/// </summary>
public sealed class StoreObserver(string connectionString, string hubConnectionString, string prefix)
{
    private readonly TableClient _instances = new TableServiceClient(hubConnectionString).GetTableClient(prefix + "hubInstances");
    private readonly TableClient _tasks = new TableServiceClient(connectionString).GetTableClient(prefix + TableNames.Tasks);
    private readonly TableClient _history = new TableServiceClient(hubConnectionString).GetTableClient(prefix + "hubHistory");

    /// <summary>The observer of a step's system: Azurite itself, never the proxy (its task hub too, unless it is counted through the proxy).</summary>
    public static StoreObserver Of(BenchOptions options) =>
        new(options.Storage, options.Proxy ? options.Storage : options.HubConnection, options.Prefix);

    /// <summary>The rows of an orchestration's history (its events, plus the engine's sentinel row).</summary>
    public async Task<int> CountHistoryRowsAsync(string instanceId, CancellationToken cancellationToken)
    {
        var count = 0;
        await foreach (var _ in _history.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {instanceId}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>Whether the instance's row says <paramref name="status"/> (a Durable runtime status: <c>Running</c>, <c>Completed</c>, ...).</summary>
    public async Task<bool> HasOrchestrationStatusAsync(string instanceId, string status, CancellationToken cancellationToken)
    {
        var row = await _instances.GetEntityIfExistsAsync<TableEntity>(instanceId, string.Empty, ["RuntimeStatus"], cancellationToken);
        return row.HasValue && row.Value!.GetString("RuntimeStatus") == status;
    }

    public async Task<int> CountCompletedOrchestrationsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        try
        {
            await foreach (var _ in _instances.QueryAsync<TableEntity>("RuntimeStatus eq 'Completed'", select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                count++;
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The hub's tables are created by the engine at start: none yet means none completed.
        }

        return count;
    }

    /// <summary>Polls until <paramref name="instanceId"/> has <paramref name="status"/>; throws at the deadline.</summary>
    public Task WaitForOrchestrationAsync(string instanceId, TimeSpan timeout, CancellationToken cancellationToken, string status = "Completed") =>
        Poll.UntilAsync(() => HasOrchestrationStatusAsync(instanceId, status, cancellationToken), done => done, timeout, $"the orchestration {instanceId} to be {status}", TimeSpan.FromMilliseconds(25));

    /// <summary>Polls until <paramref name="count"/> orchestrations have completed; the time it saw that, or null at the deadline.</summary>
    public async Task<DateTimeOffset?> WaitForCompletedOrchestrationsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (await CountCompletedOrchestrationsAsync(deadline.Token) < count)
            {
                await Task.Delay(100, deadline.Token);
            }

            return DateTimeOffset.UtcNow;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<TaskTimes?> GetTaskAsync(string id, CancellationToken cancellationToken)
    {
        var row = await _tasks.GetEntityIfExistsAsync<TaskEntity>(id, id, cancellationToken: cancellationToken);
        return row.HasValue ? Times(row.Value!) : null;
    }

    /// <summary>Every task of the system (the bench's systems hold only the tasks of one run).</summary>
    public async Task<IReadOnlyList<TaskTimes>> GetAllTasksAsync(CancellationToken cancellationToken)
    {
        var tasks = new List<TaskTimes>();
        await foreach (var row in _tasks.QueryAsync<TaskEntity>(cancellationToken: cancellationToken))
        {
            tasks.Add(Times(row));
        }

        return tasks;
    }

    private static TaskTimes Times(TaskEntity row) => new(row.PartitionKey, row.Status, row.CreatedAt, row.StartedAt, row.CompletedAt);
}
