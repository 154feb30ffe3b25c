using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests;

/// <summary>The repository and its index against Azurite; each test on its own tables.</summary>
public class TaskRepositoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task<TaskRepository> NewRepositoryAsync(string? prefix = null)
    {
        var storage = new SchedulerStorage(
            new TableServiceClient(TestStorage.ConnectionString),
            new QueueServiceClient(TestStorage.ConnectionString),
            Options.Create(new StorageOptions { StoragePrefix = prefix ?? TestStorage.NewPrefix() }));
        await storage.EnsureCreatedAsync(CancellationToken.None);
        return new TaskRepository(storage, new TaskIndex(storage, NullLogger<TaskIndex>.Instance));
    }

    private static TaskItem NewTask(int minute, string name = "job", int priority = 5, string[]? tags = null) => new()
    {
        Id = TaskIds.New(),
        Name = name,
        Command = "true",
        Priority = priority,
        Tags = tags ?? [],
        CreatedAt = T0.AddMinutes(minute),
        UpdatedAt = T0.AddMinutes(minute),
    };

    private static TaskListQuery Query(TaskState? status = null, string? tag = null, TaskSortField sort = TaskSortField.CreatedAt, bool descending = true, int page = 1, int limit = 20) =>
        new(status, tag, sort, descending, new PageRequest(page, limit));

    [Fact]
    public async Task Insert_then_get_round_trips_every_field()
    {
        var repository = await NewRepositoryAsync();
        var task = NewTask(1, tags: ["a", "b"]) with
        {
            Description = "d",
            ScheduledAt = T0.AddDays(1),
            Dependencies = ["task-x"],
            CheckpointData = """{"step":2}""",
            CheckpointEnabled = true,
            Result = "out",
            Attempt = 2,
        };
        await repository.InsertAsync(task, CancellationToken.None);

        var stored = await repository.GetAsync(task.Id, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(task with { Tags = stored!.Task.Tags, Dependencies = stored.Task.Dependencies }, stored.Task);
        Assert.Equal(task.Tags, stored.Task.Tags);
        Assert.Equal(task.Dependencies, stored.Task.Dependencies);
    }

    [Fact]
    public async Task Replace_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var repository = await NewRepositoryAsync();
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);
        var first = (await repository.GetAsync(task.Id, CancellationToken.None))!;
        var second = (await repository.GetAsync(task.Id, CancellationToken.None))!;

        await repository.ReplaceAsync(first, first.Task with { Name = "winner" }, CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            repository.ReplaceAsync(second, second.Task with { Name = "loser" }, CancellationToken.None));

        Assert.Equal("winner", (await repository.GetAsync(task.Id, CancellationToken.None))!.Task.Name);
    }

    [Fact]
    public async Task Concurrent_updates_all_apply_through_etag_retries()
    {
        var repository = await NewRepositoryAsync();
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            repository.UpdateAsync(task.Id, t => t with { RetryCount = t.RetryCount + 1 }, CancellationToken.None)));

        Assert.Equal(8, (await repository.GetAsync(task.Id, CancellationToken.None))!.Task.RetryCount);
    }

    [Fact]
    public async Task Lists_filter_sort_page_and_count_from_the_index()
    {
        var repository = await NewRepositoryAsync();
        var tasks = Enumerable.Range(0, 25).Select(i => NewTask(i, name: $"job-{i:00}", priority: (i % 10) + 1, tags: i % 5 == 0 ? ["rare"] : ["common"])).ToList();
        await Task.WhenAll(tasks.Select(t => repository.InsertAsync(t, CancellationToken.None)));

        var (page1, total) = await repository.ListAsync(Query(limit: 10), CancellationToken.None);
        Assert.Equal(25, total);
        Assert.Equal(tasks.OrderByDescending(t => t.CreatedAt).Take(10).Select(t => t.Id), page1.Select(t => t.Id));

        var (page3, _) = await repository.ListAsync(Query(limit: 10, page: 3), CancellationToken.None);
        Assert.Equal(tasks.OrderByDescending(t => t.CreatedAt).Skip(20).Select(t => t.Id), page3.Select(t => t.Id));

        var (past, pastTotal) = await repository.ListAsync(Query(limit: 10, page: 4), CancellationToken.None);
        Assert.Empty(past);
        Assert.Equal(25, pastTotal);

        var (rare, rareTotal) = await repository.ListAsync(Query(tag: "rare", sort: TaskSortField.Name, descending: false), CancellationToken.None);
        Assert.Equal(5, rareTotal);
        Assert.Equal(["job-00", "job-05", "job-10", "job-15", "job-20"], rare.Select(t => t.Name));

        var (byPriority, _) = await repository.ListAsync(Query(sort: TaskSortField.Priority, limit: 3), CancellationToken.None);
        Assert.Equal([10, 10, 9], byPriority.Select(t => t.Priority)); // i = 9, 19 have priority 10
        Assert.Equal("job-19", byPriority[0].Name); // ties: newest first, in the order's direction
    }

    [Fact]
    public async Task Status_moves_and_deletes_keep_totals_exact()
    {
        var repository = await NewRepositoryAsync();
        var tasks = Enumerable.Range(0, 6).Select(i => NewTask(i, tags: ["t"])).ToList();
        await Task.WhenAll(tasks.Select(t => repository.InsertAsync(t, CancellationToken.None)));

        await Task.WhenAll(tasks.Take(4).Select(t => repository.UpdateAsync(t.Id, x => x with { Status = TaskState.Queued, UpdatedAt = T0.AddHours(1) }, CancellationToken.None)));
        await repository.UpdateAsync(tasks[0].Id, x => x with { Status = TaskState.Running }, CancellationToken.None);
        var doomed = (await repository.GetAsync(tasks[5].Id, CancellationToken.None))!;
        await repository.DeleteAsync(doomed, CancellationToken.None);

        async Task<long> Total(TaskState? status, string? tag = null) => (await repository.ListAsync(Query(status, tag), CancellationToken.None)).Total;
        Assert.Equal(5, await Total(null));
        Assert.Equal(1, await Total(TaskState.Pending));
        Assert.Equal(3, await Total(TaskState.Queued));
        Assert.Equal(1, await Total(TaskState.Running));
        Assert.Equal(3, await Total(TaskState.Queued, "t"));
        Assert.Equal(5, await Total(null, "t"));

        var (queued, _) = await repository.ListAsync(Query(TaskState.Queued), CancellationToken.None);
        Assert.Equal(tasks.Skip(1).Take(3).Select(t => t.Id).Order(), queued.Select(t => t.Id).Order());
    }

    [Fact]
    public async Task Two_processes_writing_the_same_counters_converge()
    {
        var prefix = TestStorage.NewPrefix();
        var a = await NewRepositoryAsync(prefix);
        var b = await NewRepositoryAsync(prefix);
        var tasks = Enumerable.Range(0, 40).Select(i => NewTask(i)).ToList();

        await Task.WhenAll(tasks.Select((t, i) => (i % 2 == 0 ? a : b).InsertAsync(t, CancellationToken.None)));
        await Task.WhenAll(tasks.Take(20).Select((t, i) => (i % 2 == 0 ? b : a).UpdateAsync(t.Id, x => x with { Status = TaskState.Queued }, CancellationToken.None)));

        Assert.Equal(20, (await a.ListAsync(Query(TaskState.Pending), CancellationToken.None)).Total);
        Assert.Equal(20, (await b.ListAsync(Query(TaskState.Queued), CancellationToken.None)).Total);
        Assert.Equal(40, (await b.ListAsync(Query(), CancellationToken.None)).Total);
    }
}
