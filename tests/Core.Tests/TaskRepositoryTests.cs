using Azure.Core;
using Azure.Core.Pipeline;
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

    private static async Task<TaskRepository> NewRepositoryAsync(string? prefix = null, TableClientOptions? tableOptions = null, double totalsCacheSeconds = 2)
    {
        var storage = new SchedulerStorage(
            new TableServiceClient(TestStorage.ConnectionString, tableOptions ?? new TableClientOptions()),
            new QueueServiceClient(TestStorage.ConnectionString),
            Options.Create(new StorageOptions { StoragePrefix = prefix ?? TestStorage.NewPrefix(), ListTotalsCacheSeconds = totalsCacheSeconds }));
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
        Assert.Equal(task with { Tags = stored!.Item.Tags, Dependencies = stored.Item.Dependencies }, stored.Item);
        Assert.Equal(task.Tags, stored.Item.Tags);
        Assert.Equal(task.Dependencies, stored.Item.Dependencies);
    }

    [Fact]
    public async Task Replace_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var repository = await NewRepositoryAsync();
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);
        var first = (await repository.GetAsync(task.Id, CancellationToken.None))!;
        var second = (await repository.GetAsync(task.Id, CancellationToken.None))!;

        await repository.ReplaceAsync(first, first.Item with { Name = "winner" }, CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            repository.ReplaceAsync(second, second.Item with { Name = "loser" }, CancellationToken.None));

        Assert.Equal("winner", (await repository.GetAsync(task.Id, CancellationToken.None))!.Item.Name);
    }

    [Fact]
    public async Task Concurrent_updates_all_apply_through_etag_retries()
    {
        var repository = await NewRepositoryAsync();
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            repository.UpdateAsync(task.Id, t => t with { RetryCount = t.RetryCount + 1 }, CancellationToken.None)));

        Assert.Equal(8, (await repository.GetAsync(task.Id, CancellationToken.None))!.Item.RetryCount);
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

    [Fact]
    public async Task An_insert_abandoned_after_its_row_is_written_still_indexes_the_task()
    {
        // The caller gives up (client disconnect) the moment the task row is stored: the index must still follow,
        // or the task would exist where no listing and no sweep can find it.
        var prefix = TestStorage.NewPrefix();
        using var abandon = new CancellationTokenSource();
        var options = new TableClientOptions();
        options.AddPolicy(new CancelAfterPolicy(abandon, request =>
            request.Method == RequestMethod.Post && request.Uri.Path.EndsWith("/" + prefix + TableNames.Tasks, StringComparison.Ordinal)), HttpPipelinePosition.PerCall);
        var repository = await NewRepositoryAsync(prefix, options);
        var task = NewTask(1, tags: ["x"]);

        await repository.InsertAsync(task, abandon.Token);

        Assert.True(abandon.IsCancellationRequested);
        var reader = await NewRepositoryAsync(prefix);
        var (pending, total) = await reader.ListAsync(Query(TaskState.Pending), CancellationToken.None);
        Assert.Equal(1, total);
        Assert.Equal(task.Id, Assert.Single(pending).Id);
        Assert.Equal(1, (await reader.ListAsync(Query(tag: "x"), CancellationToken.None)).Total);
    }

    [Fact]
    public async Task Cached_totals_follow_own_writes_at_once_and_other_processes_within_the_cache_age()
    {
        var prefix = TestStorage.NewPrefix();
        var a = await NewRepositoryAsync(prefix, totalsCacheSeconds: 1);
        var b = await NewRepositoryAsync(prefix, totalsCacheSeconds: 1);
        Assert.Equal(0, (await a.ListAsync(Query(), CancellationToken.None)).Total);

        await b.InsertAsync(NewTask(1), CancellationToken.None);
        var own = NewTask(2);
        await a.InsertAsync(own, CancellationToken.None);

        // a's own create counts at once (and its row is listed), whatever a had cached.
        var (items, total) = await a.ListAsync(Query(TaskState.Pending), CancellationToken.None);
        Assert.True(total >= 1, $"total {total}");
        Assert.Contains(items, t => t.Id == own.Id);

        // b's create shows once a's cached count is older than the cache age.
        await Poll.UntilAsync(
            async () => (await a.ListAsync(Query(), CancellationToken.None)).Total,
            t => t == 2,
            TimeSpan.FromSeconds(15),
            "a's total to include b's create");
        Assert.Equal(2, (await a.ListAsync(Query(), CancellationToken.None)).Items.Count);
    }

    [Fact]
    public async Task A_cursor_walk_visits_every_task_in_order_and_skips_none_when_tasks_move_during_it()
    {
        var repository = await NewRepositoryAsync();
        var tasks = Enumerable.Range(0, 45).Select(i => NewTask(i)).ToList();
        foreach (var batch in tasks.Chunk(15))
        {
            await Task.WhenAll(batch.Select(t => repository.InsertAsync(t, CancellationToken.None)));
        }

        var seen = new List<string>();
        string? cursor = null;
        var steps = 0;
        do
        {
            var (items, next) = await repository.ScanAsync(TaskState.Pending, TaskSortField.CreatedAt, cursor, 10, CancellationToken.None);
            seen.AddRange(items.Select(t => t.Id));
            if (steps++ == 1)
            {
                // One already visited and one not yet visited move behind the cursor's end: the walk still sees the second.
                await repository.UpdateAsync(tasks[0].Id, t => t with { CreatedAt = T0.AddHours(1) }, CancellationToken.None);
                await repository.UpdateAsync(tasks[30].Id, t => t with { CreatedAt = T0.AddHours(2) }, CancellationToken.None);
            }

            cursor = next;
        }
        while (cursor is not null);

        Assert.Equal(tasks.Skip(1).Select(t => t.Id).Where(id => id != tasks[30].Id).Append(tasks[0].Id).Append(tasks[30].Id), seen.Skip(1));
        Assert.Equal(tasks[0].Id, seen[0]);
        Assert.Equal(5, steps); // 46 rows (the moved visited task counts twice) in pages of 10
    }

    /// <summary>Cancels <paramref name="source"/> as soon as a matching request has its response.</summary>
    [Fact]
    public async Task A_crash_after_the_row_write_leaves_the_task_listed_under_its_new_status_only()
    {
        // The process dies between the task row's write and the index rows of the status it left.
        var prefix = TestStorage.NewPrefix();
        var crash = new CrashPolicy();
        var repository = await NewRepositoryAsync(prefix, CrashingOptions(crash));
        var task = NewTask(1, tags: ["x"]);
        await repository.InsertAsync(task, CancellationToken.None);

        crash.Arm(prefix, afterRowWrite: true);
        await Assert.ThrowsAsync<CrashException>(() => repository.UpdateAsync(task.Id, t => t with { Status = TaskState.Queued }, CancellationToken.None));

        var restarted = await NewRepositoryAsync(prefix);
        Assert.Equal(TaskState.Queued, (await restarted.GetAsync(task.Id, CancellationToken.None))!.Item.Status);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(TaskState.Queued), CancellationToken.None)).Items).Id);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(TaskState.Queued, "x"), CancellationToken.None)).Items).Id);
        Assert.Empty((await restarted.ListAsync(Query(TaskState.Pending), CancellationToken.None)).Items);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(), CancellationToken.None)).Items).Id);
        var (running, _) = await restarted.ScanAsync(TaskState.Queued, TaskSortField.UpdatedAt, null, 100, CancellationToken.None);
        Assert.Equal(task.Id, Assert.Single(running).Id);

        // The next move starts from the row as it is and leaves a clean index.
        await restarted.UpdateAsync(task.Id, t => t with { Status = TaskState.Running }, CancellationToken.None);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(TaskState.Running), CancellationToken.None)).Items).Id);
        Assert.Empty((await restarted.ListAsync(Query(TaskState.Queued), CancellationToken.None)).Items);
    }

    [Fact]
    public async Task A_crash_before_the_row_write_leaves_the_task_listed_under_its_old_status_only()
    {
        // The process dies after the index rows of the status it enters, before the task row says so.
        var prefix = TestStorage.NewPrefix();
        var crash = new CrashPolicy();
        var repository = await NewRepositoryAsync(prefix, CrashingOptions(crash));
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);

        crash.Arm(prefix, afterRowWrite: false);
        await Assert.ThrowsAsync<CrashException>(() => repository.UpdateAsync(task.Id, t => t with { Status = TaskState.Queued }, CancellationToken.None));

        var restarted = await NewRepositoryAsync(prefix);
        Assert.Equal(TaskState.Pending, (await restarted.GetAsync(task.Id, CancellationToken.None))!.Item.Status);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(TaskState.Pending), CancellationToken.None)).Items).Id);
        Assert.Empty((await restarted.ListAsync(Query(TaskState.Queued), CancellationToken.None)).Items);
        Assert.Equal(task.Id, Assert.Single((await restarted.ListAsync(Query(), CancellationToken.None)).Items).Id);
    }

    [Fact]
    public async Task A_write_that_loses_its_race_takes_back_the_rows_it_entered()
    {
        var prefix = TestStorage.NewPrefix();
        var repository = await NewRepositoryAsync(prefix);
        var task = NewTask(1, tags: ["x"]);
        await repository.InsertAsync(task, CancellationToken.None);
        var first = (await repository.GetAsync(task.Id, CancellationToken.None))!;
        var second = (await repository.GetAsync(task.Id, CancellationToken.None))!;

        await repository.ReplaceAsync(first, first.Item with { Status = TaskState.Queued }, CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            repository.ReplaceAsync(second, second.Item with { Status = TaskState.Cancelled }, CancellationToken.None));

        var reader = await NewRepositoryAsync(prefix);
        Assert.Equal(0, (await reader.ListAsync(Query(TaskState.Cancelled), CancellationToken.None)).Total);
        Assert.Equal(0, (await reader.ListAsync(Query(TaskState.Cancelled, "x"), CancellationToken.None)).Total);
        Assert.Equal(1, (await reader.ListAsync(Query(TaskState.Queued), CancellationToken.None)).Total);
        Assert.Equal(1, (await reader.ListAsync(Query(), CancellationToken.None)).Total);
    }

    [Fact]
    public async Task A_step_after_this_process_own_write_costs_no_read_and_a_stale_copy_is_decided_again()
    {
        var prefix = TestStorage.NewPrefix();
        var reads = new CountingPolicy(prefix + TableNames.Tasks);
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(reads, HttpPipelinePosition.PerCall);
        var repository = await NewRepositoryAsync(prefix, tableOptions);
        var task = NewTask(1);
        await repository.InsertAsync(task, CancellationToken.None);

        await repository.UpdateAsync(task.Id, t => t with { Status = TaskState.Queued }, CancellationToken.None);
        await repository.UpdateAsync(task.Id, t => t with { Status = TaskState.Running }, CancellationToken.None);
        Assert.Equal(0, reads.Gets);

        // Another process moves the task on: this one's copy is stale, and a refusal decided on it is not trusted.
        var other = await NewRepositoryAsync(prefix);
        await other.UpdateAsync(task.Id, t => t with { Status = TaskState.Completed }, CancellationToken.None);
        var seen = new List<TaskState>();
        await repository.UpdateAsync(task.Id, t =>
        {
            seen.Add(t.Status);
            return t.Status == TaskState.Running ? t with { Status = TaskState.Failed } : t;
        }, CancellationToken.None);
        Assert.Equal([TaskState.Running, TaskState.Completed], seen);
        Assert.Equal(TaskState.Completed, (await other.GetAsync(task.Id, CancellationToken.None))!.Item.Status);
        Assert.Equal(0, (await other.ListAsync(Query(TaskState.Failed), CancellationToken.None)).Total);
    }

    private static TableClientOptions CrashingOptions(CrashPolicy crash)
    {
        var options = new TableClientOptions();
        options.AddPolicy(crash, HttpPipelinePosition.PerCall);
        return options;
    }

    private sealed class CrashException() : Exception("simulated crash");

    /// <summary>Once armed, fails the request a crash would never send: the task row's PUT, or the first index batch after it.</summary>
    private sealed class CrashPolicy : HttpPipelinePolicy
    {
        private string? _tasksPath;
        private bool _afterRowWrite;
        private bool _rowWritten;

        public void Arm(string prefix, bool afterRowWrite) => (_tasksPath, _afterRowWrite, _rowWritten) = ("/" + prefix + TableNames.Tasks + "(", afterRowWrite, false);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message.Request);
            await ProcessNextAsync(message, pipeline);
            if (IsRowWrite(message.Request))
            {
                _rowWritten = true;
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Check(message.Request);
            ProcessNext(message, pipeline);
        }

        private bool IsRowWrite(Request request) =>
            _tasksPath is not null && request.Method == RequestMethod.Put && request.Uri.Path.Contains(_tasksPath, StringComparison.Ordinal);

        private void Check(Request request)
        {
            if (_tasksPath is null)
            {
                return;
            }

            var crashes = _afterRowWrite ? _rowWritten && request.Uri.Path.EndsWith("/$batch", StringComparison.Ordinal) : IsRowWrite(request);
            if (crashes)
            {
                _tasksPath = null;
                throw new CrashException();
            }
        }
    }

    /// <summary>Counts point reads of one table.</summary>
    private sealed class CountingPolicy(string table) : HttpPipelinePolicy
    {
        public int Gets { get; private set; }

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message.Request);
            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Count(message.Request);
            ProcessNext(message, pipeline);
        }

        private void Count(Request request)
        {
            if (request.Method == RequestMethod.Get && request.Uri.Path.Contains("/" + table + "(", StringComparison.Ordinal))
            {
                Gets++;
            }
        }
    }

    private sealed class CancelAfterPolicy(CancellationTokenSource source, Func<Request, bool> matches) : HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (matches(message.Request))
            {
                await source.CancelAsync();
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            ProcessNext(message, pipeline);
            if (matches(message.Request))
            {
                source.Cancel();
            }
        }
    }
}
