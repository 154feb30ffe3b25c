using Azure;
using Azure.Data.Tables;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// A credential's counter in the <c>ratelimits</c> table: PartitionKey = rate-limit key, one row that each new
/// window resets, so the table holds one row per credential however long the system runs.
/// </summary>
public sealed class RateLimitEntity : ITableEntity
{
    public const string WindowRowKey = "window";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = WindowRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>Start of the window the count belongs to, in Unix seconds (a multiple of the tier's window).</summary>
    public long WindowStart { get; set; }

    /// <summary>Requests handed out in this window, to every instance together (each takes them in leases).</summary>
    public int Allocated { get; set; }
}
