using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Bench;

/// <summary>
/// Core's storage services, built by hand as tests/Core.Tests does, on the prefix SelfHost will use, with a
/// <see cref="StorageCounter"/> in the table clients' pipeline.
/// </summary>
public sealed class BenchStorage
{
    private BenchStorage(SchedulerStorage storage, TaskIndex index, TaskRepository repository, StorageCounter counter)
    {
        Storage = storage;
        Index = index;
        Repository = repository;
        Counter = counter;
    }

    public SchedulerStorage Storage { get; }

    public TaskIndex Index { get; }

    public TaskRepository Repository { get; }

    public StorageCounter Counter { get; }

    public static async Task<BenchStorage> OpenAsync(string connectionString, string prefix, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var counter = new StorageCounter(new StorageRequestClassifier([prefix]));
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var storage = new SchedulerStorage(
            new TableServiceClient(connectionString, tableOptions),
            new QueueServiceClient(connectionString),
            Options.Create(new StorageOptions { StoragePrefix = prefix }));
        await storage.EnsureCreatedAsync(cancellationToken);
        var index = new TaskIndex(storage, loggerFactory.CreateLogger<TaskIndex>());
        return new BenchStorage(storage, index, new TaskRepository(storage, index), counter);
    }
}
