using Azure;
using Azure.Data.Tables;

namespace TaskScheduler.Core.Auth;

/// <summary>A stored API key in the <c>apikeys</c> table: PartitionKey = key id. The key itself is never stored.</summary>
public sealed class ApiKeyEntity : ITableEntity
{
    public const string KeyRowKey = "key";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = KeyRowKey;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Name { get; set; } = string.Empty;

    /// <summary>Space-separated, like an OAuth <c>scope</c>.</summary>
    public string Scopes { get; set; } = string.Empty;

    public string Tier { get; set; } = AuthOptions.DefaultTierName;

    /// <summary>SHA-256 of the whole key (see <see cref="ApiKeyFormat"/>).</summary>
    public byte[] Hash { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Written at most once a minute per key, to spare a storage write per request.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    public bool Revoked { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public IReadOnlyList<string> ScopeList() => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
