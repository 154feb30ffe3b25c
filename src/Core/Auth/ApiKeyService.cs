using System.Text.Json;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Api.OpenApi;

namespace TaskScheduler.Core.Auth;

/// <summary>The admin side of API keys: create (the key is shown once), list, revoke.</summary>
public sealed class ApiKeyService(ApiKeyStore store, ApiKeyAuthenticator authenticator, TimeProvider clock, IOptions<AuthOptions> options)
{
    public const int NameMaxLength = 200;

    private static readonly string[] ListParameters = ["page", "limit"];

    /// <summary><c>{"name", "scopes": [...], "tier"?}</c>, strictly: unknown or repeated fields are a 422.</summary>
    public async Task<ApiKeyResource> CreateAsync(JsonElement body, CancellationToken cancellationToken)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.InvalidJson("The request body must be a JSON object.");
        }

        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            var field = property.Name.Length <= 64 ? property.Name : property.Name[..64] + "...";
            if (!seen.Add(property.Name))
            {
                errors.TryAdd(field, "is given more than once");
            }
            else if (!RequestBodies.ApiKeyCreate.FieldNames.Contains(property.Name))
            {
                errors.TryAdd(field, "is not a known field");
            }
        }

        string? name = null;
        if (!body.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            errors.TryAdd("name", "is required: a string");
        }
        else
        {
            name = nameElement.GetString()!;
            if (string.IsNullOrWhiteSpace(name) || name.Length > NameMaxLength || name.Any(char.IsControl))
            {
                errors.TryAdd("name", $"must be 1-{NameMaxLength} characters without control characters");
            }
        }

        var scopes = new List<string>();
        if (!body.TryGetProperty("scopes", out var scopesElement) || scopesElement.ValueKind != JsonValueKind.Array
            || scopesElement.GetArrayLength() is 0 or > 16
            || scopesElement.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String || !Scopes.IsKnown(s.GetString())))
        {
            errors.TryAdd("scopes", $"is required: a non-empty array of {string.Join(", ", Scopes.All)}");
        }
        else
        {
            scopes.AddRange(scopesElement.EnumerateArray().Select(s => s.GetString()!).Distinct(StringComparer.Ordinal));
        }

        var tier = options.Value.DefaultTier;
        if (body.TryGetProperty("tier", out var tierElement) && tierElement.ValueKind != JsonValueKind.Null)
        {
            if (tierElement.ValueKind != JsonValueKind.String || !options.Value.Tiers.ContainsKey(tierElement.GetString()!))
            {
                errors.TryAdd("tier", $"must be one of the configured tiers: {string.Join(", ", options.Value.Tiers.Keys.Order(StringComparer.Ordinal))}");
            }
            else
            {
                tier = tierElement.GetString()!;
            }
        }

        if (errors.Count > 0)
        {
            throw ApiException.Validation(errors);
        }

        // Ids are 48 random bits: a collision is rare, and the insert detects it.
        while (true)
        {
            var (id, key) = ApiKeyFormat.Generate();
            var entity = new ApiKeyEntity
            {
                PartitionKey = id,
                Name = name!,
                Scopes = string.Join(' ', scopes),
                Tier = tier,
                Hash = ApiKeyFormat.Hash(key),
                CreatedAt = Timestamps.Truncate(clock.GetUtcNow()),
            };
            if (await store.TryInsertAsync(entity, cancellationToken))
            {
                return ApiKeyResource.From(entity, key);
            }
        }
    }

    /// <summary>Every key, newest first, paged like every list (<c>page</c>, <c>limit</c>).</summary>
    public async Task<(IReadOnlyList<ApiKeyResource> Items, PageMeta Meta)> ListAsync(
        IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.From(QueryParameters.Parse(query, ListParameters));
        var all = await store.ListAsync(cancellationToken);
        var items = all.OrderByDescending(k => k.CreatedAt).ThenBy(k => k.PartitionKey, StringComparer.Ordinal)
            .Skip(page.Skip).Take(page.Limit).Select(k => ApiKeyResource.From(k)).ToList();
        return (items, page.Meta(all.Count));
    }

    /// <summary>
    /// Revokes a key (idempotent). This instance refuses it at once; other instances within
    /// <see cref="AuthOptions.KeyCacheSeconds"/>.
    /// </summary>
    public async Task<ApiKeyResource> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        var revoked = (ApiKeyFormat.IsValidId(id) ? await store.RevokeAsync(id, Timestamps.Truncate(clock.GetUtcNow()), cancellationToken) : null)
            ?? throw ApiException.NotFound($"API key '{(id.Length > 64 ? id[..64] : id)}' was not found.");
        authenticator.Forget(id);
        return ApiKeyResource.From(revoked);
    }
}
