using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// The tasks table. Every write of an existing task presents the ETag it read, so a change applies only to the
/// state it was decided on; the index follows each successful write. The caller's token can stop a write only before
/// it starts: once the task row is sent, the row and its index change run to the end, so an abandoned request never
/// leaves a task that no listing or sweep can find.
/// </summary>
public sealed class TaskRepository(SchedulerStorage storage, TaskIndex index)
{
    private const int MaxUpdateAttempts = 10;

    private readonly TableClient _tasks = storage.Table(TableNames.Tasks);
    private readonly TableClient _dependents = storage.Table(TableNames.Dependents);

    public async Task<StoredTask?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _tasks.GetEntityIfExistsAsync<TaskEntity>(id, id, cancellationToken: cancellationToken);
        return response.HasValue ? new StoredTask(response.Value!.ToItem(), response.Value.ETag) : null;
    }

    /// <summary>Inserts a new task (a 409 from storage means the id is taken) and indexes it.</summary>
    public async Task<StoredTask> InsertAsync(TaskItem task, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var response = await _tasks.AddEntityAsync(TaskEntity.From(task), CancellationToken.None);
        await index.ApplyAsync(null, task, CancellationToken.None);
        return new StoredTask(task, response.Headers.ETag ?? default);
    }

    /// <summary>Replaces a task if it is unchanged since <paramref name="current"/> was read.</summary>
    /// <exception cref="ConcurrencyConflictException">The task changed (or vanished) since it was read.</exception>
    public async Task<StoredTask> ReplaceAsync(StoredTask current, TaskItem updated, CancellationToken cancellationToken)
    {
        Response response;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            response = await _tasks.UpdateEntityAsync(TaskEntity.From(updated), current.ETag, TableUpdateMode.Replace, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            throw new ConcurrencyConflictException($"Task {current.Task.Id} changed while it was being updated.", ex);
        }

        await index.ApplyAsync(current.Task, updated, CancellationToken.None);
        return new StoredTask(updated, response.Headers.ETag ?? default);
    }

    /// <summary>
    /// Read, change, write under the ETag; on a lost race, read again and re-decide. <paramref name="change"/>
    /// sees the latest state each time and may throw to refuse (e.g. a 409 for a state that does not allow it);
    /// returning the same instance means "nothing to do".
    /// </summary>
    public async Task<StoredTask?> UpdateAsync(string id, Func<TaskItem, TaskItem> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(id, cancellationToken);
            if (current is null)
            {
                return null;
            }

            var updated = change(current.Task);
            if (ReferenceEquals(updated, current.Task))
            {
                return current;
            }

            try
            {
                return await ReplaceAsync(current, updated, cancellationToken);
            }
            catch (ConcurrencyConflictException) when (attempt < MaxUpdateAttempts)
            {
            }
        }
    }

    /// <summary>Deletes a task if unchanged since read, with its index rows and the dependency edges it owns.</summary>
    public async Task DeleteAsync(StoredTask current, CancellationToken cancellationToken)
    {
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _tasks.DeleteEntityAsync(current.Task.Id, current.Task.Id, current.ETag, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new ConcurrencyConflictException($"Task {current.Task.Id} changed while it was being deleted.", ex);
        }

        await index.ApplyAsync(current.Task, null, CancellationToken.None);
        await Task.WhenAll(current.Task.Dependencies.Select(dependency =>
            _dependents.DeleteEntityAsync(dependency, current.Task.Id, ETag.All, CancellationToken.None)));
    }

    /// <summary>Records that <paramref name="dependentId"/> waits for each of <paramref name="dependencyIds"/> (idempotent).</summary>
    public Task AddDependentAsync(string dependentId, IEnumerable<string> dependencyIds, CancellationToken cancellationToken) =>
        Task.WhenAll(dependencyIds.Select(dependency => _dependents.UpsertEntityAsync(
            new TableEntity(dependency, dependentId), TableUpdateMode.Replace, cancellationToken)));

    public Task RemoveDependentAsync(string dependentId, IEnumerable<string> dependencyIds, CancellationToken cancellationToken) =>
        Task.WhenAll(dependencyIds.Select(dependency => _dependents.DeleteEntityAsync(dependency, dependentId, ETag.All, cancellationToken)));

    /// <summary>The tasks that wait for <paramref name="id"/>.</summary>
    public async Task<IReadOnlyList<string>> GetDependentsAsync(string id, CancellationToken cancellationToken)
    {
        var dependents = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {id}");
        await foreach (var row in _dependents.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            dependents.Add(row.RowKey);
        }

        return dependents;
    }

    /// <summary>One page of tasks for a list query, in order, with the total.</summary>
    public async Task<(IReadOnlyList<TaskItem> Items, long Total)> ListAsync(TaskListQuery query, CancellationToken cancellationToken)
    {
        var (rows, total) = await index.ListAsync(query, cancellationToken);
        return (await ReadRowsAsync(rows, cancellationToken), total);
    }

    /// <summary>
    /// For sweeps: the next tasks of one status in ascending <paramref name="sort"/> order after
    /// <paramref name="cursor"/>, and the cursor to go on from (null when the walk is over). Unlike page numbers, each
    /// step reads only what it returns.
    /// </summary>
    public async Task<(IReadOnlyList<TaskItem> Items, string? Next)> ScanAsync(TaskState status, TaskSortField sort, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var keys = await index.ReadAfterAsync(status, sort, cursor, limit, cancellationToken);
        var partition = TaskIndexKeys.PartitionsFor(status, null)[0];
        var items = await ReadRowsAsync(keys.Select(key => (partition, key)).ToList(), cancellationToken);
        return (items, keys.Count < limit ? null : keys[^1]);
    }

    /// <summary>For the reconciler: the next tasks of one status updated in [from, to), and the cursor to go on from.</summary>
    public async Task<(IReadOnlyList<TaskItem> Items, string? Next)> ScanUpdatedBetweenAsync(TaskState status, DateTimeOffset from, DateTimeOffset to, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var keys = await index.ReadUpdatedBetweenAsync(status, from, to, cursor, limit, cancellationToken);
        var partition = TaskIndexKeys.PartitionsFor(status, null)[0];
        var items = await ReadRowsAsync(keys.Select(key => (partition, key)).ToList(), cancellationToken);
        return (items, keys.Count < limit ? null : keys[^1]);
    }

    private async Task<IReadOnlyList<TaskItem>> ReadRowsAsync(IReadOnlyList<(string Partition, string RowKey)> rows, CancellationToken cancellationToken)
    {
        var tasks = await Task.WhenAll(rows.Select(row => GetAsync(TaskIndexKeys.TaskIdOf(row.RowKey), cancellationToken)));
        var items = new List<TaskItem>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            // Skip an index row that no longer describes its task (deleted, or moved by a write still in flight).
            if (tasks[i] is { } stored && TaskIndexKeys.Rows(stored.Task).Contains(rows[i]))
            {
                items.Add(stored.Task);
            }
        }

        return items;
    }
}
