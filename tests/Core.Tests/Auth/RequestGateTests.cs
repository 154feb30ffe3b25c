using Microsoft.Extensions.Primitives;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Auth;
using Xunit;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>The one admission check both hosts use: its order, its codes and its headers.</summary>
public class RequestGateTests
{
    private static Dictionary<string, string> Headers(GateResult result) => result.Headers.ToDictionary(h => h.Key, h => h.Value);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ApiKey")]
    [InlineData("ApiKey ")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("ApiKey not-a-key")]
    [InlineData("ApiKey tsk_0123456789ab_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("Bearer not.a.jwt")]
    [InlineData("Bearer ")]
    [InlineData("bootstrap-admin-key-for-tests-0123456789")]
    public async Task No_or_a_bad_credential_is_a_401_with_a_challenge(string? authorization)
    {
        var services = await AuthServices.CreateAsync();
        var result = await services.Gate.AdmitAsync(authorization is null ? StringValues.Empty : new StringValues(authorization), StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        Assert.Equal(401, result.Rejection!.Status);
        Assert.Equal(ErrorCodes.Unauthorized, result.Rejection.Code);
        Assert.Equal("ApiKey, Bearer", Headers(result)["WWW-Authenticate"]);
        Assert.Equal("1.0", Headers(result)["API-Version"]);
        Assert.False(Headers(result).ContainsKey("X-RateLimit-Limit"));
    }

    [Fact]
    public async Task Two_authorization_headers_are_refused_even_if_one_is_valid()
    {
        var services = await AuthServices.CreateAsync();
        var result = await services.Gate.AdmitAsync(new StringValues(["ApiKey " + AuthServices.BootstrapKey, "Bearer x"]), StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        Assert.Equal(401, result.Rejection!.Status);
    }

    [Fact]
    public async Task A_valid_credential_without_the_scope_is_a_403_and_still_counted()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["workers"]);
        var result = await services.Gate.AdmitAsync("ApiKey " + key, StringValues.Empty, Scopes.TasksWrite, CancellationToken.None);
        Assert.Equal(403, result.Rejection!.Status);
        Assert.Equal(ErrorCodes.Forbidden, result.Rejection.Code);
        Assert.Equal("tasks:write", result.Rejection.Details!["required_scope"]);
        Assert.Equal("100", Headers(result)["X-RateLimit-Limit"]);
        Assert.Equal("99", Headers(result)["X-RateLimit-Remaining"]);
    }

    [Fact]
    public async Task An_admitted_request_carries_version_and_rate_limit_headers()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["tasks:read"]);
        var result = await services.Gate.AdmitAsync("apikey  " + key + " ", "application/json; version=1.0", Scopes.TasksRead, CancellationToken.None);
        Assert.True(result.Admitted, result.Rejection?.Message);
        var headers = Headers(result);
        Assert.Equal("1.0", headers["API-Version"]);
        Assert.Equal("100", headers["X-RateLimit-Limit"]);
        Assert.Equal("99", headers["X-RateLimit-Remaining"]);
        var now = services.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal((now - (now % 60) + 60).ToString(System.Globalization.CultureInfo.InvariantCulture), headers["X-RateLimit-Reset"]);
    }

    [Fact]
    public async Task Past_the_limit_the_reply_is_a_429_with_retry_after()
    {
        var services = await AuthServices.CreateAsync(o => o.Tiers["tiny"] = new RateLimitTier { Limit = 2, WindowSeconds = 60 });
        var key = await services.CreateKeyAsync(["tasks:read"], "tiny");
        await services.Gate.AdmitAsync("ApiKey " + key, StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        await services.Gate.AdmitAsync("ApiKey " + key, StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        var result = await services.Gate.AdmitAsync("ApiKey " + key, StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        Assert.Equal(429, result.Rejection!.Status);
        Assert.Equal(ErrorCodes.RateLimited, result.Rejection.Code);
        var headers = Headers(result);
        Assert.Equal("0", headers["X-RateLimit-Remaining"]);
        var now = services.Clock.GetUtcNow().ToUnixTimeSeconds();
        Assert.Equal((60 - (now % 60)).ToString(System.Globalization.CultureInfo.InvariantCulture), headers["Retry-After"]);
    }

    [Fact]
    public async Task An_unsupported_version_is_a_406_once_authenticated()
    {
        var services = await AuthServices.CreateAsync();
        var anonymous = await services.Gate.AdmitAsync(StringValues.Empty, "application/json; version=2.0", Scopes.TasksRead, CancellationToken.None);
        Assert.Equal(401, anonymous.Rejection!.Status);

        var result = await services.Gate.AdmitAsync("ApiKey " + AuthServices.BootstrapKey, "application/json; version=2.0", Scopes.TasksRead, CancellationToken.None);
        Assert.Equal(406, result.Rejection!.Status);
        Assert.Equal(ErrorCodes.UnsupportedVersion, result.Rejection.Code);
        Assert.Equal("1.0", result.Rejection.Details!["supported"]);
    }

    [Fact]
    public async Task Where_no_endpoint_matched_any_valid_credential_passes()
    {
        var services = await AuthServices.CreateAsync();
        var key = await services.CreateKeyAsync(["workers"]);
        Assert.True((await services.Gate.AdmitAsync("ApiKey " + key, StringValues.Empty, null, CancellationToken.None)).Admitted);
        Assert.False((await services.Gate.AdmitAsync(StringValues.Empty, StringValues.Empty, null, CancellationToken.None)).Admitted);
    }
}
