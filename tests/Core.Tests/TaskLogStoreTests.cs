using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Storage;
using TaskScheduler.TestSupport;
using Xunit;

namespace TaskScheduler.Core.Tests;

public class TaskLogStoreTests
{
    [Fact]
    public async Task A_task_log_keeps_its_first_lines_up_to_the_bound_then_says_so_once()
    {
        var storage = await TestStorage.NewSchedulerStorageAsync();
        var store = new TaskLogStore(storage, TimeProvider.System);
        var at = DateTimeOffset.UtcNow;
        List<LogEntry> Batch(int from, int count) => Enumerable.Range(from, count).Select(i => new LogEntry(at, LogLevels.Info, $"line {i} \"quoted\" +/", 1)).ToList();

        await store.AppendAsync("task-a", Batch(0, 30_000), CancellationToken.None);
        await store.AppendAsync("task-a", Batch(30_000, 30_000), CancellationToken.None);
        await store.AppendAsync("task-a", Batch(60_000, 10), CancellationToken.None);

        var lines = await store.ReadAllAsync("task-a", CancellationToken.None);
        Assert.Equal(TaskLogStore.MaxLinesPerTask + 1, lines.Count);
        Assert.Equal("line 0 \"quoted\" +/", lines[0].Message);
        Assert.Equal($"line {TaskLogStore.MaxLinesPerTask - 1} \"quoted\" +/", lines[^2].Message);
        Assert.Equal(LogLevels.Warn, lines[^1].Level);
        Assert.Contains("Log limit", lines[^1].Message, StringComparison.Ordinal);

        await store.DeleteAllAsync("task-a", CancellationToken.None);
        Assert.Empty(await store.ReadAllAsync("task-a", CancellationToken.None));
    }
}
