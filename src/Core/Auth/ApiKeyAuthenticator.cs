using System.Collections.Concurrent;
using System.Security.Cryptography;
using Azure;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TaskScheduler.Core.Auth;

/// <summary>
/// <c>Authorization: ApiKey &lt;key&gt;</c>. The bootstrap key from configuration, or a stored key read by its id and
/// checked against its hash in constant time. What was read about a key is kept for <see cref="AuthOptions.KeyCacheSeconds"/>
/// (30 s), so a busy key costs no storage call per request; a revocation therefore reaches the other instances
/// within that time (the instance that revokes forgets the key at once).
/// </summary>
public sealed partial class ApiKeyAuthenticator : IDisposable
{
    /// <summary>A key's last-used time is written at most this often (per key and instance).</summary>
    public static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    public const string BootstrapCallerId = "bootstrap";

    private readonly ApiKeyStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger<ApiKeyAuthenticator> _logger;
    private readonly AuthOptions _options;
    private readonly TimeSpan _cacheFor;
    private readonly byte[]? _bootstrapHash;
    private readonly ApiCaller? _bootstrapCaller;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private readonly ConcurrentDictionary<string, DateTimeOffset> _touched = new(StringComparer.Ordinal);

    public ApiKeyAuthenticator(ApiKeyStore store, TimeProvider clock, IOptions<AuthOptions> options, ILogger<ApiKeyAuthenticator> logger)
    {
        _store = store;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
        _cacheFor = TimeSpan.FromSeconds(_options.KeyCacheSeconds);
        if (!string.IsNullOrEmpty(_options.BootstrapAdminKey))
        {
            _bootstrapHash = ApiKeyFormat.Hash(_options.BootstrapAdminKey);
            _bootstrapCaller = new ApiCaller(BootstrapCallerId, new HashSet<string>([Scopes.Admin], StringComparer.Ordinal), _options.BootstrapTier, "key-" + BootstrapCallerId);
        }
    }

    public async ValueTask<AuthenticationResult> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key);
        if (_bootstrapHash is not null && CryptographicOperations.FixedTimeEquals(hash, _bootstrapHash))
        {
            return AuthenticationResult.Success(_bootstrapCaller!);
        }

        // Anything without the shape of a key is refused before any storage call.
        if (!ApiKeyFormat.TryGetId(key, out var id))
        {
            return AuthenticationResult.Fail("The API key is not valid.");
        }

        var known = await LookUpAsync(id, cancellationToken);
        if (known is null || known.Revoked || !CryptographicOperations.FixedTimeEquals(known.Hash, hash))
        {
            return AuthenticationResult.Fail("The API key is not valid.");
        }

        Touch(known);
        return AuthenticationResult.Success(known.Caller);
    }

    /// <summary>Drops what this instance knows about a key (after a revocation), so it is read again.</summary>
    public void Forget(string id) => _cache.Remove(id);

    public void Dispose() => _cache.Dispose();

    private async ValueTask<KnownKey?> LookUpAsync(string id, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue<CachedKey>(id, out var cached) && cached is not null)
        {
            return cached.Key;
        }

        var entity = await _store.GetAsync(id, cancellationToken);
        var known = entity is null ? null : new KnownKey(
            id,
            entity.Hash,
            entity.Revoked,
            entity.LastUsedAt,
            new ApiCaller("key-" + id, new HashSet<string>(entity.ScopeList(), StringComparer.Ordinal), entity.Tier, "key-" + id));
        if (_cacheFor > TimeSpan.Zero)
        {
            // Unknown ids are remembered too, so repeating a forged key does not cost a read each time.
            _cache.Set(id, new CachedKey(known), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _cacheFor });
        }

        return known;
    }

    /// <summary>Writes the last-used time in the background when it is a minute old, at most once a minute per key here.</summary>
    private void Touch(KnownKey key)
    {
        var now = _clock.GetUtcNow();
        if (key.LastUsedAt is { } last && now - last < TouchInterval)
        {
            return;
        }

        // Of concurrent requests, the one whose swap wins writes.
        if (_touched.TryGetValue(key.Id, out var previous))
        {
            if (now - previous < TouchInterval || !_touched.TryUpdate(key.Id, now, previous))
            {
                return;
            }
        }
        else if (!_touched.TryAdd(key.Id, now))
        {
            return;
        }

        _ = TouchAsync(key.Id, now);
    }

    private async Task TouchAsync(string id, DateTimeOffset at)
    {
        // Best effort, off the request's path: a failed write only leaves last_used_at a little older.
        try
        {
            await _store.TouchAsync(id, at, CancellationToken.None);
        }
        catch (RequestFailedException ex)
        {
            LogTouchFailed(_logger, ex, id);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Could not record the last use of API key {KeyId}")]
    private static partial void LogTouchFailed(ILogger logger, Exception exception, string keyId);

    private sealed record KnownKey(string Id, byte[] Hash, bool Revoked, DateTimeOffset? LastUsedAt, ApiCaller Caller);

    private sealed record CachedKey(KnownKey? Key);
}
