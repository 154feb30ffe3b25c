using System.Text;
using Microsoft.Extensions.Options;

namespace TaskScheduler.Core.Auth;

/// <summary>A weak or inconsistent auth setting fails the start, naming the setting.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public const int MinimumSecretLength = 32;

    /// <summary>
    /// How an app setting that App Service could not resolve from Key Vault reaches the app: as its own reference text,
    /// <c>@Microsoft.KeyVault(SecretUri=...)</c> or <c>@Microsoft.KeyVault(VaultName=...;SecretName=...)</c>. It is long
    /// enough to pass as a key, and public knowledge (it names the vault), so it must never become one.
    /// </summary>
    public const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    public static bool IsUnresolvedKeyVaultReference(string? value) =>
        value is not null && value.TrimStart().StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase);

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        foreach (var (setting, value) in new[] { ("Auth:BootstrapAdminKey", options.BootstrapAdminKey), ("Auth:Jwt:SigningKey", options.Jwt.SigningKey) })
        {
            if (IsUnresolvedKeyVaultReference(value))
            {
                failures.Add($"{setting} is an unresolved Key Vault reference: the platform could not read the secret (is the app's identity granted Key Vault Secrets User, and does keyVaultReferenceIdentity name it?).");
            }
        }

        if (failures.Count > 0)
        {
            // The length checks below would pass the reference text, so stop here.
            return ValidateOptionsResult.Fail(failures);
        }

        if (!string.IsNullOrEmpty(options.BootstrapAdminKey) && options.BootstrapAdminKey.Length < MinimumSecretLength)
        {
            failures.Add($"Auth:BootstrapAdminKey must be at least {MinimumSecretLength} characters.");
        }

        if (!string.IsNullOrEmpty(options.Jwt.SigningKey) && Encoding.UTF8.GetByteCount(options.Jwt.SigningKey) < MinimumSecretLength)
        {
            failures.Add($"Auth:Jwt:SigningKey must be at least {MinimumSecretLength} bytes (HS256 needs a 256-bit key).");
        }

        if (!string.IsNullOrWhiteSpace(options.Jwt.Authority)
            && (!Uri.TryCreate(options.Jwt.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && !authority.IsLoopback)))
        {
            failures.Add("Auth:Jwt:Authority must be an absolute https URL (http only on loopback).");
        }

        if (options.Jwt.ClockSkewSeconds is < 0 or > 300)
        {
            failures.Add("Auth:Jwt:ClockSkewSeconds must be between 0 and 300.");
        }

        if (options.KeyCacheSeconds is < 0 or > 300)
        {
            failures.Add("Auth:KeyCacheSeconds must be between 0 and 300.");
        }

        foreach (var (tierName, tier) in options.Tiers)
        {
            if (!ApiKeyFormat.IsValidTierName(tierName))
            {
                failures.Add($"Auth:Tiers:{tierName}: a tier name is 1-32 letters, digits, '-' or '_'.");
            }

            if (tier.Limit is < 1 or > 100_000_000)
            {
                failures.Add($"Auth:Tiers:{tierName}:Limit must be between 1 and 100000000.");
            }

            if (tier.WindowSeconds is < 1 or > 86_400)
            {
                failures.Add($"Auth:Tiers:{tierName}:WindowSeconds must be between 1 and 86400.");
            }
        }

        foreach (var (setting, tierName) in new[] { ("Auth:BootstrapTier", options.BootstrapTier), ("Auth:DefaultTier", options.DefaultTier) })
        {
            if (!options.Tiers.ContainsKey(tierName))
            {
                failures.Add($"{setting} names the tier '{tierName}', which is not configured under Auth:Tiers.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
