namespace TaskScheduler.Core.Auth;

/// <summary>
/// Authentication and rate limits (section <c>Auth</c>: <c>Auth__BootstrapAdminKey</c>, <c>Auth__Jwt__*</c>,
/// <c>Auth__Tiers__{name}__Limit</c>, ...). Validated at start by <see cref="AuthOptionsValidator"/>.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The tier of keys created without one and of tokens without a tier claim.</summary>
    public const string DefaultTierName = "default";

    /// <summary>The generous tier of the bootstrap key (and, by convention, of agents' keys).</summary>
    public const string InternalTierName = "internal";

    /// <summary>
    /// An admin key from configuration (Key Vault in Azure), so a fresh deployment is usable: at least 32
    /// characters. Empty: only stored keys and tokens are accepted.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>The rate-limit tier of the bootstrap key.</summary>
    public string BootstrapTier { get; set; } = InternalTierName;

    /// <summary>The tier of new keys that name none, and of tokens without a tier claim.</summary>
    public string DefaultTier { get; set; } = DefaultTierName;

    /// <summary>How long an instance trusts what it read about a stored key; a revocation reaches every instance within it.</summary>
    public int KeyCacheSeconds { get; set; } = 30;

    public JwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// Rate-limit tiers by name. <c>default</c> (100 per 60 s) and <c>internal</c> (10,000 per 60 s) exist unless
    /// configured otherwise; more can be added, e.g. <c>Auth__Tiers__gold__Limit=1000</c>.
    /// </summary>
    public Dictionary<string, RateLimitTier> Tiers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Adds the built-in tiers that configuration did not define.</summary>
    public void AddBuiltInTiers()
    {
        Tiers.TryAdd(DefaultTierName, new RateLimitTier { Limit = 100, WindowSeconds = 60 });
        Tiers.TryAdd(InternalTierName, new RateLimitTier { Limit = 10_000, WindowSeconds = 60 });
    }
}
