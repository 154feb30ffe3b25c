using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// The tasks table. Every write of an existing task presents the ETag it read, so a change applies only to the
/// state it was decided on. Around each write the index moves in two steps: the rows of the partitions the task
/// enters before the row, the rest after it (<see cref="TaskIndex.EnterAsync"/>), so a crash at any line never
/// leaves a task that no listing or sweep can find; a write that loses its race takes its entered rows back. The
/// caller's token can stop a write only before it starts: once begun, it runs to the end.
/// <para>A read-change-write starts from the row as this process last read or wrote it, when it still has it: the
/// ETag proves that copy current (the write fails otherwise, and the change is decided again on a fresh read), so
/// a task's next step (the claim after the create, the end after the claim) costs one write instead of a read and a
/// write. A refusal or "nothing to do" is never decided on the remembered copy.</para>
/// </summary>
public sealed class TaskRepository(SchedulerStorage storage, TaskIndex index) : IDisposable
{
    private const int MaxUpdateAttempts = 10;

    /// <summary>Rows remembered, by approximate size in characters: bounded memory whatever the rows hold.</summary>
    private const long RememberedCharacters = 32 * 1024 * 1024;

    /// <summary>A task's next step usually follows within seconds; a row not touched for this long is forgotten.</summary>
    private static readonly TimeSpan RememberFor = TimeSpan.FromMinutes(5);

    private readonly TableClient _tasks = storage.Table(TableNames.Tasks);
    private readonly TableClient _dependents = storage.Table(TableNames.Dependents);
    private readonly MemoryCache _remembered = new(new MemoryCacheOptions { SizeLimit = RememberedCharacters });

    public async Task<StoredTask?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _tasks.GetEntityIfExistsAsync<TaskEntity>(id, id, cancellationToken: cancellationToken);
        if (!response.HasValue)
        {
            _remembered.Remove(id);
            return null;
        }

        return Remember(new StoredTask(response.Value!.ToItem(), response.Value.ETag));
    }

    /// <summary>Inserts a new task (a 409 from storage means the id is taken) and indexes it.</summary>
    public async Task<StoredTask> InsertAsync(TaskItem task, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var move = TaskIndex.Plan(null, task);
        await index.EnterAsync(move, CancellationToken.None);
        Response response;
        try
        {
            response = await _tasks.AddEntityAsync(TaskEntity.From(task), CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            await index.UndoEnterAsync(move, (await GetAsync(task.Id, CancellationToken.None))?.Item, CancellationToken.None);
            throw;
        }

        return Remember(new StoredTask(task, response.Headers.ETag ?? default));
    }

    /// <summary>Replaces a task if it is unchanged since <paramref name="current"/> was read.</summary>
    /// <exception cref="ConcurrencyConflictException">The task changed (or vanished) since it was read.</exception>
    public async Task<StoredTask> ReplaceAsync(StoredTask current, TaskItem updated, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var move = TaskIndex.Plan(current.Item, updated);
        await index.EnterAsync(move, CancellationToken.None);
        Response response;
        try
        {
            response = await _tasks.UpdateEntityAsync(TaskEntity.From(updated), current.ETag, TableUpdateMode.Replace, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            _remembered.Remove(current.Item.Id);
            if (move.Enters)
            {
                var winner = await GetAsync(current.Item.Id, CancellationToken.None);
                await index.UndoEnterAsync(move, winner?.Item, CancellationToken.None);
            }

            throw new ConcurrencyConflictException($"Task {current.Item.Id} changed while it was being updated.", ex);
        }

        await index.SettleAsync(move, CancellationToken.None);
        return Remember(new StoredTask(updated, response.Headers.ETag ?? default));
    }

    /// <summary>
    /// Read, change, write under the ETag; on a lost race, read again and re-decide. <paramref name="change"/>
    /// sees the latest state each time and may throw to refuse (e.g. a 409 for a state that does not allow it);
    /// returning the same instance means "nothing to do".
    /// </summary>
    public async Task<StoredTask?> UpdateAsync(string id, Func<TaskItem, TaskItem> change, CancellationToken cancellationToken)
    {
        if (_remembered.TryGetValue(id, out StoredTask? remembered) && remembered is not null && TryChange(remembered.Item, change) is { } proposed)
        {
            try
            {
                return await ReplaceAsync(remembered, proposed, cancellationToken);
            }
            catch (ConcurrencyConflictException)
            {
                // The remembered copy was stale: decide again on the row as it is.
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(id, cancellationToken);
            if (current is null)
            {
                return null;
            }

            var updated = change(current.Item);
            if (ReferenceEquals(updated, current.Item))
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
        _remembered.Remove(current.Item.Id);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _tasks.DeleteEntityAsync(current.Item.Id, current.Item.Id, current.ETag, CancellationToken.None);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new ConcurrencyConflictException($"Task {current.Item.Id} changed while it was being deleted.", ex);
        }

        await index.ApplyAsync(current.Item, null, CancellationToken.None);
        await Task.WhenAll(current.Item.Dependencies.Select(dependency =>
            _dependents.DeleteEntityAsync(dependency, current.Item.Id, ETag.All, CancellationToken.None)));
    }

    /// <summary>
    /// Records that <paramref name="dependentId"/> waits for each of <paramref name="dependencyIds"/> (idempotent):
    /// the edge, then the dependency's <see cref="TaskItem.MayHaveDependents"/> flag, both before the caller reads
    /// the dependency's state. So a dependency whose end is written after that read sees the flag (its write is
    /// decided on the flagged row, or fails on the ETag and is decided again), and one that ended before is seen
    /// ended by the caller.
    /// </summary>
    public Task AddDependentAsync(string dependentId, IEnumerable<string> dependencyIds, CancellationToken cancellationToken) =>
        Task.WhenAll(dependencyIds.Select(async dependency =>
        {
            await _dependents.UpsertEntityAsync(new TableEntity(dependency, dependentId), TableUpdateMode.Replace, cancellationToken);
            await UpdateAsync(dependency, task => task.MayHaveDependents ? task : task with { MayHaveDependents = true }, cancellationToken);
        }));

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

    /// <summary>For the lost-worker sweep: the next running attempts from the index's attempt keys (no row read), and the cursor.</summary>
    public async Task<(IReadOnlyList<AttemptKey> Attempts, string? Next)> ScanRunningAttemptsAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        var keys = await index.ReadRunningAttemptsAsync(cursor, limit, cancellationToken);
        return (keys.Select(TaskIndexKeys.ParseAttemptRowKey).ToList(), keys.Count < limit ? null : keys[^1]);
    }

    /// <summary>
    /// For the reconciler: the ids the index lists under one status with an <c>updated_at</c> in [from, to), and the
    /// cursor to go on from. Keys only: the rows are read for the few ids that need a look.
    /// </summary>
    public async Task<(IReadOnlyList<string> Ids, string? Next)> ScanIdsUpdatedBetweenAsync(TaskState status, DateTimeOffset from, DateTimeOffset to, string? cursor, int limit, CancellationToken cancellationToken)
    {
        var keys = await index.ReadUpdatedBetweenAsync(status, from, to, cursor, limit, cancellationToken);
        return (keys.Select(TaskIndexKeys.TaskIdOf).ToList(), keys.Count < limit ? null : keys[^1]);
    }

    private async Task<IReadOnlyList<TaskItem>> ReadRowsAsync(IReadOnlyList<(string Partition, string RowKey)> rows, CancellationToken cancellationToken)
    {
        var tasks = await Task.WhenAll(rows.Select(row => GetAsync(TaskIndexKeys.TaskIdOf(row.RowKey), cancellationToken)));
        var items = new List<TaskItem>(rows.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            // Skip an index row of a partition its task is not in (deleted, moved, or the row of a write that did
            // not happen), and a second row of the same task (an interrupted re-key left its old row).
            if (tasks[i] is { } stored && TaskIndexKeys.Partitions(stored.Item).Contains(rows[i].Partition) && seen.Add(stored.Item.Id))
            {
                items.Add(stored.Item);
            }
        }

        return items;
    }

    public void Dispose() => _remembered.Dispose();

    /// <summary>The change decided on a remembered copy, or null when it refuses or has nothing to do (decided again on a fresh read).</summary>
    private static TaskItem? TryChange(TaskItem remembered, Func<TaskItem, TaskItem> change)
    {
        try
        {
            var proposed = change(remembered);
            return ReferenceEquals(proposed, remembered) ? null : proposed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
    }

    private StoredTask Remember(StoredTask stored)
    {
        if (stored.ETag != default)
        {
            var task = stored.Item;
            var size = 1024L + task.Command.Length + task.Name.Length + (task.Description?.Length ?? 0) + (task.CheckpointData?.Length ?? 0)
                + (task.Result?.Length ?? 0) + (task.Error?.Length ?? 0) + task.SchedulerLog.Sum(line => line.Message.Length + 64);
            _remembered.Set(task.Id, stored, new MemoryCacheEntryOptions { Size = size, SlidingExpiration = RememberFor });
        }

        return stored;
    }
}
