using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.TestSupport;

/// <summary>
/// The Azurite that <c>scripts/test.sh</c> starts for the run. Tests never mock storage; each test (class) takes
/// its own name prefix, so tables and queues never meet and tests run in parallel.
/// </summary>
public static class TestStorage
{
    public const string VariableName = "TASKSCHEDULER_TEST_STORAGE";

    private static readonly Lazy<string> Connection = new(Resolve);

    public static string ConnectionString => Connection.Value;

    /// <summary>A fresh prefix (lower-case letters and digits, as table and queue names need).</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>The scheduler's storage on this Azurite under a fresh prefix, its tables and queues created.</summary>
    public static async Task<SchedulerStorage> NewSchedulerStorageAsync()
    {
        var storage = new SchedulerStorage(
            new TableServiceClient(ConnectionString),
            new QueueServiceClient(ConnectionString),
            Options.Create(new StorageOptions { StoragePrefix = NewPrefix() }));
        await storage.EnsureCreatedAsync(CancellationToken.None);
        return storage;
    }

    private static string Resolve()
    {
        var value = Environment.GetEnvironmentVariable(VariableName);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{VariableName} is not set. Run the tests with scripts/test.sh, which starts Azurite and sets it.");
        }

        try
        {
            // Fail at once, saying what is missing, rather than on the first request of every test.
            new TableServiceClient(value).GetPropertiesAsync().Wait(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Azurite is not reachable with {VariableName}: {ex.GetBaseException().Message}", ex);
        }

        return value;
    }
}
