using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TaskScheduler.Core.Auth;
using TaskScheduler.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>
/// What authentication and rate limiting add to a request, measured on the gate itself against Azurite: wall time
/// per request and storage calls per request, for each kind of credential. The figures go to the test output and to
/// <c>artifacts/auth-overhead.md</c>. Times depend on the machine and its load, so only the storage calls per request,
/// which the design decides, are asserted.
/// </summary>
public class AuthOverheadMeasurement(ITestOutputHelper output)
{
    private const int Requests = 20_000;

    [Fact]
    public async Task The_gate_costs_microseconds_and_a_small_fraction_of_a_storage_call_per_request()
    {
        var services = await AuthServices.CreateAsync(o => o.Tiers["bench"] = new RateLimitTier { Limit = 100_000_000, WindowSeconds = 3600 });
        var key = await services.CreateKeyAsync(["tasks:read"], "bench");
        var defaultTierKey = await services.CreateKeyAsync(["tasks:read"]);
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "taskscheduler",
            Audience = "taskscheduler",
            Claims = new Dictionary<string, object> { ["sub"] = "bench", ["scp"] = "tasks:read", ["tier"] = "bench" },
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AuthServices.SigningKey)), SecurityAlgorithms.HmacSha256),
        });

        var rows = new List<string>
        {
            "| credential | requests | mean | p50 | p99 | storage calls per request |",
            "|---|---|---|---|---|---|",
            await MeasureAsync(services, "stored API key, busy (tier limit 100,000,000/h)", "ApiKey " + key, Requests, maxCallsPerRequest: 0.02),
            await MeasureAsync(services, "HS256 JWT, busy (same tier)", "Bearer " + token, Requests, maxCallsPerRequest: 0.02),
            await MeasureAsync(services, "stored API key, default tier (100 per 60 s, all 100 used)", "ApiKey " + defaultTierKey, 100, maxCallsPerRequest: 0.25),
            await MeasureAsync(services, "past the limit (refused from memory)", "ApiKey " + defaultTierKey, Requests, maxCallsPerRequest: 0),
            await MeasureAsync(services, "bad credential (401, no storage)", "ApiKey " + "tsk_nope", Requests, maxCallsPerRequest: 0),
        };

        var report = string.Join(Environment.NewLine, rows);
        output.WriteLine(report);
        var artifacts = Path.Combine(RepoPaths.Root, "artifacts");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllTextAsync(Path.Combine(artifacts, "auth-overhead.md"), $"Measured {DateTimeOffset.UtcNow:u} on {Environment.ProcessorCount} cores against Azurite.{Environment.NewLine}{Environment.NewLine}{report}{Environment.NewLine}");
    }

    private static async Task<string> MeasureAsync(AuthServices services, string what, string authorization, int requests, double maxCallsPerRequest)
    {
        var header = new StringValues(authorization);
        await services.Gate.AdmitAsync(header, StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
        services.Calls.Reset();
        var times = new double[requests];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await services.Gate.AdmitAsync(header, StringValues.Empty, Scopes.TasksRead, CancellationToken.None);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        total.Stop();
        Array.Sort(times);
        var mean = total.Elapsed.TotalMicroseconds / requests;
        var callsPerRequest = (double)services.Calls.Count / requests;
        Assert.True(callsPerRequest <= maxCallsPerRequest, $"{what}: {callsPerRequest:0.0000} storage calls per request");
        return string.Create(CultureInfo.InvariantCulture, $"| {what} | {requests:N0} | {mean:0.0} µs | {times[requests / 2]:0.0} µs | {times[(int)(requests * 0.99) - 1]:0.0} µs | {callsPerRequest:0.0000} |");
    }
}
