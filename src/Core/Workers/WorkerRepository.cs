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

    public async Task<WorkerEntity?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _table.GetEntityIfExistsAsync<WorkerEntity>(id, WorkerEntity.WorkerRowKey, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public async Task UpsertAsync(WorkerEntity worker, CancellationToken cancellationToken) =>
        await _table.UpsertEntityAsync(worker, TableUpdateMode.Replace, cancellationToken);

    /// <summary>Applies <paramref name="change"/> to the latest row until the write wins; false if there is no such worker.</summary>
    public async Task<WorkerEntity?> UpdateAsync(string id, Func<WorkerEntity, bool> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var worker = await GetAsync(id, cancellationToken);
            if (worker is null || !change(worker))
            {
                return worker;
            }

            try
            {
                await _table.UpdateEntityAsync(worker, worker.ETag, TableUpdateMode.Replace, cancellationToken);
                return worker;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxUpdateAttempts)
            {
            }
        }
    }

    /// <summary>Workers that are not offline and whose last heartbeat is older than <paramref name="cutoff"/>.</summary>
    public IAsyncEnumerable<WorkerEntity> FindSilentAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        _table.QueryAsync<WorkerEntity>(
            TableClient.CreateQueryFilter($"Status ne {WorkerStatus.Offline} and LastHeartbeat lt {cutoff}"),
            cancellationToken: cancellationToken);

    public IAsyncEnumerable<WorkerEntity> QueryAsync(string? status, CancellationToken cancellationToken) =>
        _table.QueryAsync<WorkerEntity>(
            status is null ? null : TableClient.CreateQueryFilter($"Status eq {status}"),
            cancellationToken: cancellationToken);
}
