using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TaskScheduler.Core.Auth;
using TaskScheduler.Core.Storage;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Core.Tests.Auth;

/// <summary>
/// The auth services wired by hand on their own tables in Azurite, with a fake clock and a count of the storage
/// calls they make (the figure the rate limiter's design is about).
/// </summary>
public sealed class AuthServices
{
    public const string BootstrapKey = "bootstrap-admin-key-for-tests-0123456789";
    public const string SigningKey = "jwt-signing-key-for-tests-0123456789abcdef";

    private AuthServices(AuthOptions options, string prefix, SchedulerStorage storage, FakeTimeProvider clock, StorageCallCounter calls)
    {
        Options = options;
        Prefix = prefix;
        Storage = storage;
        Clock = clock;
        Calls = calls;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        Store = new ApiKeyStore(storage);
        Keys = new ApiKeyAuthenticator(Store, clock, wrapped, NullLogger<ApiKeyAuthenticator>.Instance);
        Tokens = new JwtAuthenticator(wrapped, NullLogger<JwtAuthenticator>.Instance);
        Limiter = new RateLimiter(storage, clock);
        Gate = new RequestGate(new Authenticator(Keys, Tokens), Limiter, wrapped);
        KeyService = new ApiKeyService(Store, Keys, clock, wrapped);
    }

    public AuthOptions Options { get; }

    /// <summary>The name prefix of this set's tables, to give another set (another "instance") the same ones.</summary>
    public string Prefix { get; }

    public SchedulerStorage Storage { get; }
    public FakeTimeProvider Clock { get; }
    public StorageCallCounter Calls { get; }
    public ApiKeyStore Store { get; }
    public ApiKeyAuthenticator Keys { get; }
    public JwtAuthenticator Tokens { get; }
    public RateLimiter Limiter { get; }
    public RequestGate Gate { get; }
    public ApiKeyService KeyService { get; }

    /// <summary>A fresh set of services; <paramref name="prefix"/> shares tables with another set (another "instance").</summary>
    public static async Task<AuthServices> CreateAsync(Action<AuthOptions>? configure = null, string? prefix = null, FakeTimeProvider? clock = null)
    {
        var options = new AuthOptions { BootstrapAdminKey = BootstrapKey };
        options.Jwt.SigningKey = SigningKey;
        configure?.Invoke(options);
        options.AddBuiltInTiers();
        var validation = new AuthOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new InvalidOperationException(validation.FailureMessage);
        }

        prefix ??= TestStorage.NewPrefix();
        var calls = new StorageCallCounter();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(calls, HttpPipelinePosition.PerCall);
        var storage = new SchedulerStorage(
            new TableServiceClient(TestStorage.ConnectionString, tableOptions),
            new QueueServiceClient(TestStorage.ConnectionString),
            Microsoft.Extensions.Options.Options.Create(new StorageOptions { StoragePrefix = prefix }));
        await storage.Table(TableNames.ApiKeys).CreateIfNotExistsAsync();
        await storage.Table(TableNames.RateLimits).CreateIfNotExistsAsync();
        calls.Reset();
        return new AuthServices(options, prefix, storage, clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)), calls);
    }

    /// <summary>Creates a stored key through the admin service; returns the key.</summary>
    public async Task<string> CreateKeyAsync(string[] scopes, string? tier = null)
    {
        using var body = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(new { name = "test", scopes, tier }));
        return (await KeyService.CreateAsync(body.RootElement, CancellationToken.None)).Key!;
    }
}

/// <summary>Counts every request the storage clients send.</summary>
public sealed class StorageCallCounter : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
}
