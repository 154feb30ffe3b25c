using System.Text.Json.Serialization;

namespace TaskScheduler.Core.Auth;

/// <summary>An API key on the wire. <see cref="Key"/> is present only in the reply that creates it, and never again.</summary>
public sealed record ApiKeyResource(
    string Id,
    string Name,
    IReadOnlyList<string> Scopes,
    string Tier,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt,
    bool Revoked,
    DateTimeOffset? RevokedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null)
{
    public static ApiKeyResource From(ApiKeyEntity entity, string? key = null) => new(
        entity.PartitionKey,
        entity.Name,
        entity.ScopeList(),
        entity.Tier,
        entity.CreatedAt,
        entity.LastUsedAt,
        entity.Revoked,
        entity.RevokedAt,
        key);
}
