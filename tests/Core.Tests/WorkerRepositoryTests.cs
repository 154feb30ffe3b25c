using Azure.Data.Tables;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Workers;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests;

/// <summary>The workers table against Azurite: the <see cref="Worker"/> record over the columns rows already have.</summary>
public class WorkerRepositoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<(WorkerRepository Repository, TableClient Table)> NewRepositoryAsync()
    {
        var storage = await TestStorage.NewSchedulerStorageAsync();
        return (new WorkerRepository(storage), storage.Table(TableNames.Workers));
    }

    /// <summary>A row as the code before the record wrote it: the lists as JSON text columns.</summary>
    private static TableEntity OldRow(string id) => new(id, WorkerEntity.WorkerRowKey)
    {
        ["Hostname"] = "build-01",
        ["Status"] = WorkerStatus.Active,
        ["Version"] = "1.2.3",
        ["Tags"] = """["gpu","linux"]""",
        ["Concurrency"] = 4,
        ["TasksCompleted"] = 7L,
        ["TasksFailed"] = 2L,
        ["CurrentTaskIds"] = """["task-a","task-b"]""",
        ["LastHeartbeat"] = T0.AddMinutes(5),
        ["RegisteredAt"] = T0,
        ["CpuUsage"] = 0.25,
        ["MemoryUsage"] = 0.5,
        ["DiskUsage"] = 0.75,
    };

    [Fact]
    public async Task A_row_written_before_the_record_reads_back_into_every_field()
    {
        var (repository, table) = await NewRepositoryAsync();
        await table.AddEntityAsync(OldRow("w-old"));

        var worker = await repository.GetAsync("w-old", CancellationToken.None);

        Assert.NotNull(worker);
        Assert.Equal(
            new Worker
            {
                Id = "w-old",
                Hostname = "build-01",
                Status = WorkerStatus.Active,
                Version = "1.2.3",
                Tags = worker!.Tags,
                Concurrency = 4,
                TasksCompleted = 7,
                TasksFailed = 2,
                CurrentTaskIds = worker.CurrentTaskIds,
                LastHeartbeat = T0.AddMinutes(5),
                RegisteredAt = T0,
                CpuUsage = 0.25,
                MemoryUsage = 0.5,
                DiskUsage = 0.75,
            },
            worker);
        Assert.Equal(["gpu", "linux"], worker.Tags);
        Assert.Equal(["task-a", "task-b"], worker.CurrentTaskIds);
    }

    [Fact]
    public async Task An_update_writes_the_same_columns_the_row_had()
    {
        var (repository, table) = await NewRepositoryAsync();
        var old = OldRow("w-write");
        await table.AddEntityAsync(old);

        await repository.UpdateAsync("w-write", w => w with { CpuUsage = 0.5 }, CancellationToken.None);

        var row = (await table.GetEntityAsync<TableEntity>("w-write", WorkerEntity.WorkerRowKey)).Value;
        Assert.Equal(0.5, row.GetDouble("CpuUsage"));
        foreach (var column in old.Keys.Except(["PartitionKey", "RowKey", "CpuUsage"]))
        {
            Assert.Equal(old[column], row[column]);
        }
    }

    [Fact]
    public async Task An_update_that_changes_nothing_writes_nothing()
    {
        var (repository, table) = await NewRepositoryAsync();
        await table.AddEntityAsync(OldRow("w-same"));
        var before = (await table.GetEntityAsync<TableEntity>("w-same", WorkerEntity.WorkerRowKey)).Value.ETag;

        var worker = await repository.UpdateAsync("w-same", w => w, CancellationToken.None);

        Assert.Equal("w-same", worker!.Id);
        Assert.Equal(before, (await table.GetEntityAsync<TableEntity>("w-same", WorkerEntity.WorkerRowKey)).Value.ETag);
    }

    [Fact]
    public async Task An_update_of_an_unknown_worker_is_null()
    {
        var (repository, _) = await NewRepositoryAsync();

        Assert.Null(await repository.UpdateAsync("w-none", w => w with { Status = WorkerStatus.Offline }, CancellationToken.None));
    }
}
