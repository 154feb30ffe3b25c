using Azure;
using Azure.Data.Tables;

namespace TaskScheduler.Core.Storage;

/// <summary>An index row: the key is all there is (see <see cref="TaskIndexKeys"/>).</summary>
public sealed class TaskIndexEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
}

/// <summary>One shard of a partition's row counter.</summary>
public sealed class CounterEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public long Count { get; set; }
}
