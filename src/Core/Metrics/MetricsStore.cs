using System.Globalization;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Metrics;

/// <summary>
/// Counters written as tasks finish, never computed by scanning tasks: one row per (hour or day, shard) holding
/// completed and failed counts and the sum of execution times. Writers pick a random shard of eight and update it
/// under its ETag, so concurrent finishes rarely meet. Weeks and months are sums of days.
/// </summary>
public sealed class MetricsStore(SchedulerStorage storage)
{
    public const string HourPartition = "hour";
    public const string DayPartition = "day";
    private const int Shards = 8;
    private const int MaxAttempts = 10;

    private readonly TableClient _table = storage.Table(TableNames.Metrics);

    public static string HourKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    public static string DayKey(DateTimeOffset at) => at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>What one finished task adds to its hour and day buckets.</summary>
    public static Bucket BucketOf(TaskItem task)
    {
        var seconds = task.StartedAt is { } started && task.CompletedAt is { } ended ? Math.Max(0, (ended - started).TotalSeconds) : (double?)null;
        var completed = task.Status == TaskState.Completed;
        return new Bucket(completed ? 1 : 0, completed ? 0 : 1, seconds ?? 0, seconds is null ? 0 : 1);
    }

    /// <summary>Adds counts (of one or many tasks) to a bucket: one read and one ETag-guarded write of a random shard.</summary>
    public async Task AddAsync(string partition, string bucket, Bucket delta, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var rowKey = string.Create(CultureInfo.InvariantCulture, $"{bucket}|{Random.Shared.Next(Shards):00}");
            var existing = await _table.GetEntityIfExistsAsync<MetricsEntity>(partition, rowKey, cancellationToken: cancellationToken);
            var row = existing.HasValue ? existing.Value! : new MetricsEntity { PartitionKey = partition, RowKey = rowKey };
            row.Completed += delta.Completed;
            row.Failed += delta.Failed;
            row.DurationSeconds += delta.DurationSeconds;
            row.DurationCount += delta.DurationCount;
            try
            {
                if (existing.HasValue)
                {
                    await _table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await _table.AddEntityAsync(row, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
            }
        }
    }

    /// <summary>Sums of every bucket of a partition between two keys (inclusive), by bucket key.</summary>
    public async Task<Dictionary<string, Bucket>> ReadAsync(string partition, string fromKey, string toKey, CancellationToken cancellationToken)
    {
        var buckets = new Dictionary<string, Bucket>(StringComparer.Ordinal);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {fromKey} and RowKey lt {toKey + "}"}");
        await foreach (var row in _table.QueryAsync<MetricsEntity>(filter, cancellationToken: cancellationToken))
        {
            var key = row.RowKey[..row.RowKey.IndexOf('|', StringComparison.Ordinal)];
            buckets[key] = buckets.GetValueOrDefault(key) + new Bucket(row.Completed, row.Failed, row.DurationSeconds, row.DurationCount);
        }

        return buckets;
    }

    /// <summary>What one bucket (or a sum of them) counted.</summary>
    public readonly record struct Bucket(long Completed, long Failed, double DurationSeconds, long DurationCount)
    {
        public static Bucket operator +(Bucket a, Bucket b) =>
            new(a.Completed + b.Completed, a.Failed + b.Failed, a.DurationSeconds + b.DurationSeconds, a.DurationCount + b.DurationCount);

        public static Bucket Add(Bucket a, Bucket b) => a + b;
    }

    private sealed class MetricsEntity : ITableEntity
    {
        public string PartitionKey { get; set; } = string.Empty;
        public string RowKey { get; set; } = string.Empty;
        public DateTimeOffset? Timestamp { get; set; }
        public ETag ETag { get; set; }
        public long Completed { get; set; }
        public long Failed { get; set; }
        public double DurationSeconds { get; set; }
        public long DurationCount { get; set; }
    }
}
