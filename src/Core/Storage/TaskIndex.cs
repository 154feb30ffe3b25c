using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// Keeps the <c>taskindex</c> table in step with the tasks table, and answers lists from it.
/// <para>Writes: the difference between a task's old and new index rows, one entity-group transaction per touched
/// partition, carrying that partition's counter change. Counters are sharded (16 per partition) and each process
/// caches the ETag of the shards it wrote, so the common case is one storage call per partition; a lost race (412)
/// re-reads the shard and tries again.</para>
/// <para>Order: rows in partitions the task enters are written before the task row, the rest after it (see
/// <see cref="EnterAsync"/>), so a task is always listed under its row's status and tags. Counter deltas commute,
/// so concurrent writers converge; a row left behind by an interrupted or out-of-order write is recognised on read
/// (its partition is not one of its task's) and skipped. What an interrupted write can leave is a counter one off
/// and a few rows that no listing shows.</para>
/// <para>Reads: a partition's count is cached for <see cref="SchedulerStorage.ListTotalsMaxAge"/> and moved by this
/// process's own writes, so a listing usually costs one key-range query per non-empty partition plus the point reads
/// of its page.</para>
/// </summary>
public sealed partial class TaskIndex(SchedulerStorage storage, ILogger<TaskIndex> logger)
{
    private const int Shards = 16;
    private const int MaxAttempts = 8;

    private readonly TableClient _table = storage.Table(TableNames.TaskIndex);
    private readonly ConcurrentDictionary<(string Partition, int Shard), ShardState> _shards = new();
    private readonly ConcurrentDictionary<string, PartitionTotal> _totals = new(StringComparer.Ordinal);
    private readonly TimeSpan _totalsMaxAge = storage.ListTotalsMaxAge;

    /// <summary>Applies the whole change from <paramref name="before"/> to <paramref name="after"/> (either may be null).</summary>
    public Task ApplyAsync(TaskItem? before, TaskItem? after, CancellationToken cancellationToken) =>
        ApplyAllAsync(Changes(before, after), cancellationToken);

    /// <summary>
    /// The change from <paramref name="before"/> to <paramref name="after"/>, worked out once for a write that applies
    /// it in two steps around the task row (<see cref="EnterAsync"/>, <see cref="SettleAsync"/>).
    /// </summary>
    public static IndexMove Plan(TaskItem? before, TaskItem after)
    {
        var changes = Changes(before, after);
        return new IndexMove(changes.Where(change => change.CounterDelta > 0).ToList(), changes.Where(change => change.CounterDelta <= 0).ToList());
    }

    /// <summary>
    /// The part of a move that goes before the task row's write: the task's rows in the partitions it enters (a new
    /// status, a new tag), with their counters. So whatever line a crash stops at, the task is listed under the
    /// status its row has: before the row's write, the new rows do not match the row and are skipped; after it, the
    /// old ones are.
    /// </summary>
    public Task EnterAsync(IndexMove move, CancellationToken cancellationToken) => ApplyAllAsync(move.Entering, cancellationToken);

    /// <summary>The part after the row's write: rows of the partitions it leaves, and re-keyed rows in those it stays in.</summary>
    public Task SettleAsync(IndexMove move, CancellationToken cancellationToken) => ApplyAllAsync(move.Settling, cancellationToken);

    /// <summary>
    /// Takes back <see cref="EnterAsync"/> after the row's write failed (another write won): the counters, and the
    /// rows that <paramref name="winner"/> (the row as it is now; null if gone) does not have as well.
    /// </summary>
    public Task UndoEnterAsync(IndexMove move, TaskItem? winner, CancellationToken cancellationToken)
    {
        var kept = winner is null ? [] : TaskIndexKeys.Rows(winner).ToHashSet();
        return ApplyAllAsync(
            move.Entering.Select(change => new PartitionChange(change.Partition, change.Inserts.Where(rk => !kept.Contains((change.Partition, rk))).ToList(), [], -change.CounterDelta)),
            cancellationToken);
    }

    private static List<PartitionChange> Changes(TaskItem? before, TaskItem? after)
    {
        var oldRows = before is null ? [] : TaskIndexKeys.Rows(before).ToHashSet();
        var newRows = after is null ? [] : TaskIndexKeys.Rows(after).ToHashSet();
        var oldPartitions = before is null ? [] : TaskIndexKeys.Partitions(before).ToHashSet(StringComparer.Ordinal);
        var newPartitions = after is null ? [] : TaskIndexKeys.Partitions(after).ToHashSet(StringComparer.Ordinal);

        return oldPartitions.Union(newPartitions).Select(partition => new PartitionChange(
            partition,
            oldRows.Where(r => r.PartitionKey == partition && !newRows.Contains(r)).Select(r => r.RowKey).ToList(),
            newRows.Where(r => r.PartitionKey == partition && !oldRows.Contains(r)).Select(r => r.RowKey).ToList(),
            (newPartitions.Contains(partition) ? 1 : 0) - (oldPartitions.Contains(partition) ? 1 : 0)))
            .Where(change => change.Deletes.Count > 0 || change.Inserts.Count > 0 || change.CounterDelta != 0)
            .ToList();
    }

    private Task ApplyAllAsync(IEnumerable<PartitionChange> changes, CancellationToken cancellationToken) =>
        Task.WhenAll(changes.Select(change => ApplyPartitionAsync(change, cancellationToken)));

    /// <summary>
    /// The ids of one page, in order, and the total. Reads only the partitions the filters name, and from each only
    /// the first <c>page * limit</c> keys of the requested order (keys only), then merges.
    /// </summary>
    public async Task<(IReadOnlyList<(string Partition, string RowKey)> Rows, long Total)> ListAsync(TaskListQuery query, CancellationToken cancellationToken)
    {
        var partitions = TaskIndexKeys.PartitionsFor(query.Status, query.Tag);
        var totals = await Task.WhenAll(partitions.Select(p => CountAsync(p, cancellationToken)));
        var total = totals.Sum();
        if (query.Page.Skip >= total)
        {
            return ([], total);
        }

        var need = query.Page.Skip + query.Page.Limit;
        var prefix = TaskIndexKeys.RangePrefix(query.Sort, query.Descending);
        var lists = await Task.WhenAll(partitions.Select((p, i) => totals[i] > 0
            ? ReadKeysAsync(p, prefix, need, cancellationToken)
            : Task.FromResult(new List<string>())));
        var page = lists
            .SelectMany((keys, i) => keys.Select(key => (Partition: partitions[i], RowKey: key)))
            .OrderBy(row => row.RowKey, StringComparer.Ordinal)
            .Skip(query.Page.Skip)
            .Take(query.Page.Limit)
            .ToList();
        return (page, total);
    }

    /// <summary>
    /// The number of tasks in a partition: the sum of its counter shards, as read at most
    /// <see cref="SchedulerStorage.ListTotalsMaxAge"/> ago and moved by this process's writes since.
    /// </summary>
    public async Task<long> CountAsync(string partition, CancellationToken cancellationToken)
    {
        var cached = _totals.GetOrAdd(partition, _ => new PartitionTotal());
        var generation = cached.TryGet(_totalsMaxAge, out var known);
        if (generation < 0)
        {
            return known;
        }

        long count = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {TaskIndexKeys.CounterPrefix} and RowKey lt {"~n}"}");
        await foreach (var shard in _table.QueryAsync<CounterEntity>(filter, maxPerPage: Shards, cancellationToken: cancellationToken))
        {
            count += shard.Count;
        }

        cached.Store(generation, count);
        return count;
    }

    /// <summary>
    /// A cursor walk: up to <paramref name="limit"/> keys of one status partition in ascending <paramref name="sort"/>
    /// order, after the key <paramref name="after"/> (from the start when null). Reads only what it returns, however
    /// deep the walk, and a task that moves meanwhile gets a later key, so a walk never skips one.
    /// </summary>
    public Task<List<string>> ReadAfterAsync(TaskState status, TaskSortField sort, string? after, int limit, CancellationToken cancellationToken) =>
        ReadKeysAsync(TaskIndexKeys.PartitionsFor(status, null)[0], TaskIndexKeys.RangePrefix(sort, false), limit, cancellationToken, after);

    /// <summary>The next attempt keys of running tasks after <paramref name="after"/> (keys only).</summary>
    public Task<List<string>> ReadRunningAttemptsAsync(string? after, int limit, CancellationToken cancellationToken) =>
        ReadKeysAsync(TaskIndexKeys.StatusPartition(TaskState.Running), TaskIndexKeys.AttemptPrefix, limit, cancellationToken, after);

    /// <summary>
    /// A cursor walk over the tasks of one status updated in [<paramref name="from"/>, <paramref name="to"/>): keys
    /// only, in <c>updated_at</c> order, after <paramref name="after"/> (or from the window's start).
    /// </summary>
    public Task<List<string>> ReadUpdatedBetweenAsync(TaskState status, DateTimeOffset from, DateTimeOffset to, string? after, int limit, CancellationToken cancellationToken)
    {
        var start = TaskIndexKeys.UpdatedAtBound(from);
        return ReadKeysAsync(
            TaskIndexKeys.PartitionsFor(status, null)[0],
            TaskIndexKeys.RangePrefix(TaskSortField.UpdatedAt, false),
            limit,
            cancellationToken,
            after is not null && string.CompareOrdinal(after, start) > 0 ? after : start,
            TaskIndexKeys.UpdatedAtBound(to));
    }

    private async Task<List<string>> ReadKeysAsync(string partition, string prefix, int need, CancellationToken cancellationToken, string? after = null, string? before = null)
    {
        var upper = before ?? prefix[..^1] + "}";
        var lower = after is not null && string.CompareOrdinal(after, prefix) > 0 ? after : prefix;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {lower} and RowKey lt {upper}");
        var keys = new List<string>(Math.Min(need, 1000));
        await foreach (var page in _table.QueryAsync<TaskIndexEntity>(filter, maxPerPage: Math.Min(need, 1000), select: ["RowKey"], cancellationToken).AsPages())
        {
            foreach (var row in page.Values)
            {
                keys.Add(row.RowKey);
                if (keys.Count == need)
                {
                    return keys;
                }
            }
        }

        return keys;
    }

    private async Task ApplyPartitionAsync(PartitionChange change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var shardKey = (change.Partition, Random.Shared.Next(Shards));
            var shard = _shards.GetOrAdd(shardKey, _ => new ShardState());
            await shard.Gate.WaitAsync(cancellationToken);
            var released = false;
            try
            {
                var actions = new List<TableTransactionAction>(change.Deletes.Count + change.Inserts.Count + 1);
                actions.AddRange(change.Deletes.Select(rk => new TableTransactionAction(
                    TableTransactionActionType.Delete, new TaskIndexEntity { PartitionKey = change.Partition, RowKey = rk }, ETag.All)));
                actions.AddRange(change.Inserts.Select(rk => new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace, new TaskIndexEntity { PartitionKey = change.Partition, RowKey = rk })));
                CounterEntity? counter = null;
                if (change.CounterDelta != 0)
                {
                    counter = await CounterAfterAsync(shard, shardKey, change.CounterDelta, cancellationToken);
                    actions.Add(counter.ETag == default
                        ? new TableTransactionAction(TableTransactionActionType.Add, counter)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, counter, counter.ETag));
                }

                try
                {
                    var response = await _table.SubmitTransactionAsync(actions, cancellationToken);
                    if (counter is not null)
                    {
                        shard.Remember(counter.Count, response.Value[^1].Headers.ETag ?? default);
                        Moved(change.Partition, change.CounterDelta);
                    }

                    return;
                }
                catch (TableTransactionFailedException ex) when (counter is not null && ex.FailedTransactionActionIndex == actions.Count - 1 && attempt < MaxAttempts)
                {
                    // Another process moved this shard: forget what we knew and try again (another shard, likely).
                    shard.Forget();
                    LogCounterRace(logger, change.Partition, ex.Status);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 404)
                {
                    // A row to delete is already gone (a concurrent or repeated change got there first).
                    // Apply the parts one by one, each idempotent, so the counter still moves exactly once.
                    await ApplyOneByOneAsync(change, cancellationToken);
                    if (counter is not null)
                    {
                        shard.Forget();
                        shard.Gate.Release();
                        released = true;
                        await ApplyCounterAloneAsync(change.Partition, change.CounterDelta, cancellationToken);
                    }

                    return;
                }
            }
            finally
            {
                if (!released)
                {
                    shard.Gate.Release();
                }
            }
        }
    }

    private async Task<CounterEntity> CounterAfterAsync(ShardState shard, (string Partition, int Shard) key, int delta, CancellationToken cancellationToken)
    {
        if (!shard.Known)
        {
            var existing = await _table.GetEntityIfExistsAsync<CounterEntity>(key.Partition, CounterRowKey(key.Shard), cancellationToken: cancellationToken);
            if (existing.HasValue)
            {
                shard.Remember(existing.Value!.Count, existing.Value.ETag);
            }
            else
            {
                shard.Remember(0, default);
            }
        }

        return new CounterEntity
        {
            PartitionKey = key.Partition,
            RowKey = CounterRowKey(key.Shard),
            Count = shard.Count + delta,
            ETag = shard.ETag,
        };
    }

    private async Task ApplyOneByOneAsync(PartitionChange change, CancellationToken cancellationToken)
    {
        foreach (var rowKey in change.Deletes)
        {
            await _table.DeleteEntityAsync(change.Partition, rowKey, ETag.All, cancellationToken);
        }

        foreach (var rowKey in change.Inserts)
        {
            await _table.UpsertEntityAsync(new TaskIndexEntity { PartitionKey = change.Partition, RowKey = rowKey }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    private async Task ApplyCounterAloneAsync(string partition, int delta, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var shardKey = (partition, Random.Shared.Next(Shards));
            var shard = _shards.GetOrAdd(shardKey, _ => new ShardState());
            await shard.Gate.WaitAsync(cancellationToken);
            try
            {
                var counter = await CounterAfterAsync(shard, shardKey, delta, cancellationToken);
                var response = counter.ETag == default
                    ? await _table.AddEntityAsync(counter, cancellationToken)
                    : await _table.UpdateEntityAsync(counter, counter.ETag, TableUpdateMode.Replace, cancellationToken);
                shard.Remember(counter.Count, response.Headers.ETag ?? default);
                Moved(partition, delta);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                shard.Forget();
                LogCounterRace(logger, partition, ex.Status);
            }
            finally
            {
                shard.Gate.Release();
            }
        }
    }

    private void Moved(string partition, int delta)
    {
        if (_totals.TryGetValue(partition, out var cached))
        {
            cached.Move(delta);
        }
    }

    private static string CounterRowKey(int shard) => TaskIndexKeys.CounterPrefix + shard.ToString("00", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Counter shard race in {Partition} (status {Status}); retrying")]
    private static partial void LogCounterRace(ILogger logger, string partition, int status);

    /// <summary>One partition's share of an index change: rows to delete and to insert, and the counter's move.</summary>
    public sealed record PartitionChange(string Partition, List<string> Deletes, List<string> Inserts, int CounterDelta);

    /// <summary>What this process last wrote to one counter shard; valid until someone else writes it.</summary>
    private sealed class ShardState
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public bool Known { get; private set; }

        public long Count { get; private set; }

        public ETag ETag { get; private set; }

        public void Remember(long count, ETag etag)
        {
            Count = count;
            ETag = etag;
            Known = true;
        }

        public void Forget() => Known = false;
    }

    /// <summary>
    /// A partition's count as this process knows it. Every write bumps <c>_generation</c>, so a read that was in
    /// flight across a write does not overwrite the moved count with what it read before the write.
    /// </summary>
    private sealed class PartitionTotal
    {
        private readonly Lock _lock = new();
        private long _count;
        private long _readAt;
        private long _generation;
        private bool _known;

        /// <summary>-1 with the count if it is fresh; otherwise the generation to pass to <see cref="Store"/>.</summary>
        public long TryGet(TimeSpan maxAge, out long count)
        {
            lock (_lock)
            {
                count = _count;
                return _known && Stopwatch.GetElapsedTime(_readAt) < maxAge ? -1 : _generation;
            }
        }

        public void Store(long generation, long count)
        {
            lock (_lock)
            {
                if (generation == _generation)
                {
                    (_count, _readAt, _known) = (count, Stopwatch.GetTimestamp(), true);
                }
            }
        }

        public void Move(int delta)
        {
            lock (_lock)
            {
                _generation++;
                _count += delta;
            }
        }
    }
}
