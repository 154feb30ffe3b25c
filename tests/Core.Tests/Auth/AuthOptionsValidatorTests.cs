using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

public class AuthOptionsValidatorTests
{
    private static string[] Failures(Action<AuthOptions> configure)
    {
        var options = new AuthOptions();
        configure(options);
        options.AddBuiltInTiers();
        var result = new AuthOptionsValidator().Validate(null, options);
        return result.Failed ? result.Failures.ToArray() : [];
    }

    [Fact]
    public void The_defaults_are_valid_and_define_the_two_built_in_tiers()
    {
        Assert.Empty(Failures(_ => { }));
        var options = new AuthOptions();
        options.AddBuiltInTiers();
        Assert.Equal(100, options.Tiers["default"].Limit);
        Assert.Equal(10_000, options.Tiers["internal"].Limit);
    }

    [Fact]
    public void A_configured_tier_replaces_the_built_in_one()
    {
        var options = new AuthOptions();
        options.Tiers["default"] = new RateLimitTier { Limit = 5, WindowSeconds = 10 };
        options.AddBuiltInTiers();
        Assert.Equal(5, options.Tiers["default"].Limit);
    }

    [Theory]
    [InlineData("Auth:BootstrapAdminKey")]
    [InlineData("Auth:Jwt:SigningKey")]
    [InlineData("Auth:Jwt:Authority")]
    [InlineData("Auth:BootstrapTier")]
    [InlineData("Auth:Tiers:bad:Limit")]
    [InlineData("Auth:Tiers:bad:WindowSeconds")]
    public void A_weak_or_inconsistent_setting_fails_naming_it(string setting)
    {
        var failures = Failures(setting switch
        {
            "Auth:BootstrapAdminKey" => o => o.BootstrapAdminKey = "short",
            "Auth:Jwt:SigningKey" => o => o.Jwt.SigningKey = "short",
            "Auth:Jwt:Authority" => o => o.Jwt.Authority = "http://login.example.com/tenant",
            "Auth:BootstrapTier" => o => o.BootstrapTier = "nonexistent",
            "Auth:Tiers:bad:Limit" => o => o.Tiers["bad"] = new RateLimitTier { Limit = 0 },
            _ => o => o.Tiers["bad"] = new RateLimitTier { WindowSeconds = 0 },
        });
        Assert.Contains(failures, f => f.StartsWith(setting, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv-abcdef123456.vault.azure.net/secrets/bootstrap-admin-key/)")]
    [InlineData("@Microsoft.KeyVault(VaultName=kv-abcdef123456;SecretName=jwt-signing-key)")]
    [InlineData("  @microsoft.keyvault(SecretUri=https://kv-abcdef123456.vault.azure.net/secrets/x)")]
    public void An_unresolved_Key_Vault_reference_is_refused_as_either_secret(string reference)
    {
        Assert.Contains(Failures(o => o.BootstrapAdminKey = reference), f => f.StartsWith("Auth:BootstrapAdminKey is an unresolved Key Vault reference", StringComparison.Ordinal));
        Assert.Contains(Failures(o => o.Jwt.SigningKey = reference), f => f.StartsWith("Auth:Jwt:SigningKey is an unresolved Key Vault reference", StringComparison.Ordinal));
    }

    [Fact]
    public void A_resolved_secret_that_mentions_Key_Vault_later_is_accepted()
    {
        Assert.Empty(Failures(o => o.BootstrapAdminKey = "not-a-reference-@Microsoft.KeyVault(0123456789abcdef"));
    }
}
