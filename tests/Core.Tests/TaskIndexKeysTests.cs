using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;
using Xunit;

namespace TaskScheduler.Core.Tests;

public class TaskIndexKeysTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TaskItem Task(string id, int minutes, int priority = 5, string name = "n", DateTimeOffset? scheduled = null) => new()
    {
        Id = id,
        Name = name,
        Command = "true",
        Priority = priority,
        CreatedAt = T0.AddMinutes(minutes),
        UpdatedAt = T0.AddMinutes(minutes),
        ScheduledAt = scheduled,
    };

    private static List<string> Sorted(IEnumerable<TaskItem> tasks, TaskSortField field, bool descending) =>
        tasks.Select(t => (t.Id, Key: TaskIndexKeys.RowKey(t, field, descending)))
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => x.Id)
            .ToList();

    [Fact]
    public void Created_at_keys_sort_in_both_directions()
    {
        var tasks = new[] { Task("b", 2), Task("a", 1), Task("c", 3) };
        Assert.Equal(["a", "b", "c"], Sorted(tasks, TaskSortField.CreatedAt, false));
        Assert.Equal(["c", "b", "a"], Sorted(tasks, TaskSortField.CreatedAt, true));
    }

    [Fact]
    public void Priority_keys_sort_by_priority_then_creation()
    {
        var tasks = new[] { Task("low", 1, priority: 1), Task("top", 2, priority: 10), Task("mid-old", 3, priority: 5), Task("mid-new", 4, priority: 5) };
        Assert.Equal(["top", "mid-new", "mid-old", "low"], Sorted(tasks, TaskSortField.Priority, true));
        Assert.Equal(["low", "mid-old", "mid-new", "top"], Sorted(tasks, TaskSortField.Priority, false));
    }

    [Fact]
    public void Name_keys_sort_case_insensitively_with_prefixes_first_ascending_and_last_descending()
    {
        var tasks = new[] { Task("abc", 1, name: "abc"), Task("AB", 2, name: "AB"), Task("b", 3, name: "b"), Task("uni", 4, name: "Ünïcode / # ?") };
        Assert.Equal(["AB", "abc", "b", "uni"], Sorted(tasks, TaskSortField.Name, false));
        Assert.Equal(["uni", "b", "abc", "AB"], Sorted(tasks, TaskSortField.Name, true));
    }

    [Fact]
    public void Unscheduled_tasks_sort_last_in_both_directions()
    {
        var tasks = new[] { Task("none", 1), Task("early", 2, scheduled: T0.AddDays(1)), Task("late", 3, scheduled: T0.AddDays(2)) };
        Assert.Equal(["early", "late", "none"], Sorted(tasks, TaskSortField.ScheduledAt, false));
        Assert.Equal(["late", "early", "none"], Sorted(tasks, TaskSortField.ScheduledAt, true));
    }

    [Fact]
    public void Every_key_is_a_legal_row_key_and_ends_with_the_task_id()
    {
        var task = Task("task-1", 1, name: new string('x', 500) + "/\\#?\t") with { Tags = ["a", "b"] };
        var rows = TaskIndexKeys.Rows(task).ToList();
        Assert.Equal(3 * 10, rows.Count);
        foreach (var (partition, rowKey) in rows)
        {
            Assert.True(rowKey.Length < 1024);
            Assert.DoesNotContain(rowKey, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
            Assert.Equal("task-1", TaskIndexKeys.TaskIdOf(rowKey));
            Assert.StartsWith(partition.StartsWith("s|", StringComparison.Ordinal) ? "s|pending" : "t|", partition, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_running_task_has_one_attempt_key_that_reads_back_and_sorts_apart_from_the_sort_keys()
    {
        var started = T0.AddMinutes(7);
        var task = Task("task-9", 1) with { Status = TaskState.Running, WorkerId = "agent_1-a", Attempt = 3, StartedAt = started, Tags = ["a"] };
        var rows = TaskIndexKeys.Rows(task).ToList();

        var attemptKeys = rows.Where(r => r.RowKey.StartsWith(TaskIndexKeys.AttemptPrefix, StringComparison.Ordinal)).ToList();
        var (partition, key) = Assert.Single(attemptKeys);
        Assert.Equal(TaskIndexKeys.StatusPartition(TaskState.Running), partition);
        Assert.Equal(new AttemptKey("task-9", "agent_1-a", 3, started), TaskIndexKeys.ParseAttemptRowKey(key));
        Assert.Equal("task-9", TaskIndexKeys.TaskIdOf(key));
        Assert.All(Enum.GetValues<TaskSortField>(), field => Assert.False(key.StartsWith(TaskIndexKeys.RangePrefix(field, false), StringComparison.Ordinal)));
        Assert.Equal(2 * 10 + 1, rows.Count);
        Assert.DoesNotContain(TaskIndexKeys.Rows(task with { Status = TaskState.Completed }), r => r.RowKey.StartsWith(TaskIndexKeys.AttemptPrefix, StringComparison.Ordinal));
    }
}
