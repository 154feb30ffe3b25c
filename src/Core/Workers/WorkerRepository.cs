using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Workers;

/// <summary>The <c>workers</c> table; every update is an ETag-guarded read-change-write.</summary>
public sealed class WorkerRepository(SchedulerStorage storage)
{
    private const int MaxUpdateAttempts = 10;

    private readonly TableClient _table = storage.Table(TableNames.Workers);
    private readonly TableClient _workerTasks = storage.Table(TableNames.WorkerTasks);

    /// <summary>Remembers that a worker ran a task (for <c>GET /workers/{id}/tasks</c>); idempotent.</summary>
    public async Task AddTaskAsync(string workerId, string taskId, CancellationToken cancellationToken) =>
        await _workerTasks.UpsertEntityAsync(new TableEntity(workerId, taskId), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Every task a worker ran or runs.</summary>
    public async Task<IReadOnlyList<string>> GetTaskIdsAsync(string workerId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in _workerTasks.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {workerId}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            ids.Add(row.RowKey);
        }

        return ids;
    }

    public async Task<Worker?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await GetEntityAsync(id, cancellationToken))?.ToWorker();

    /// <summary>Replaces the row whatever it holds: a registration is the agent's own new description of itself.</summary>
    public async Task UpsertAsync(Worker worker, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(WorkerEntity.From(worker), TableUpdateMode.Replace, cancellationToken);

    /// <summary>
    /// Read, change, write under the row's ETag; on a lost race, read again and re-decide. <paramref name="change"/>
    /// sees the latest state each time; returning the same instance means "nothing to do". Null if there is no such
    /// worker, else the worker as written (or as read, when there was nothing to do).
    /// </summary>
    public async Task<Worker?> UpdateAsync(string id, Func<Worker, Worker> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await GetEntityAsync(id, cancellationToken);
            if (row is null)
            {
                return null;
            }

            var current = row.ToWorker();
            var updated = change(current);
            if (ReferenceEquals(updated, current))
            {
                return current;
            }

            try
            {
                await _table.UpdateEntityAsync(WorkerEntity.From(updated), row.ETag, TableUpdateMode.Replace, cancellationToken);
                return updated;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxUpdateAttempts)
            {
            }
        }
    }

    /// <summary>Workers that are not offline and whose last heartbeat is older than <paramref name="cutoff"/>.</summary>
    public IAsyncEnumerable<Worker> FindSilentAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        ToWorkers(_table.QueryAsync<WorkerEntity>(
            TableClient.CreateQueryFilter($"Status ne {WorkerStatus.Offline} and LastHeartbeat lt {cutoff}"),
            cancellationToken: cancellationToken));

    public IAsyncEnumerable<Worker> QueryAsync(string? status, CancellationToken cancellationToken) =>
        ToWorkers(_table.QueryAsync<WorkerEntity>(
            status is null ? null : TableClient.CreateQueryFilter($"Status eq {status}"),
            cancellationToken: cancellationToken));

    private static async IAsyncEnumerable<Worker> ToWorkers(AsyncPageable<WorkerEntity> rows)
    {
        await foreach (var row in rows)
        {
            yield return row.ToWorker();
        }
    }

    private async Task<WorkerEntity?> GetEntityAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<WorkerEntity>(id, WorkerEntity.WorkerRowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }
}
