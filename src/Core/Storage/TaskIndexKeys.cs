using System.Globalization;
using System.Text;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Storage;

/// <summary>
/// The layout of the <c>taskindex</c> table. Table Storage has no order-by, count or skip, so the index stores,
/// per task, one row per (sort field, direction) whose RowKey sorts in exactly the order a page needs:
/// <c>{field}{a|d}|{primary key}|{created_at tie-break}|{task id}</c>. Descending orders store inverted keys,
/// because Table Storage only scans ascending.
/// <para>Partitions: <c>s|{status}</c> for every task, and <c>t|{tag}|{status}</c> for each of its tags. A list
/// reads only the partitions its filters name (without a status filter, the six status partitions merged), and
/// totals come from sharded counter rows (<c>~n|{shard}</c>) kept in the same partitions and changed in the same
/// entity-group transaction as the rows they count.</para>
/// </summary>
public static class TaskIndexKeys
{
    public const string CounterPrefix = "~n|";

    /// <summary>The first characters of a running task's <see cref="AttemptRowKey"/>.</summary>
    public const string AttemptPrefix = "w|";

    /// <summary>Names longer than this (in UTF-8 bytes) sort by their first 64 bytes, then by creation time.</summary>
    public const int NameKeyBytes = 64;

    private const string NullTime = "9999999999999999999";

    public static string StatusPartition(TaskState status) => "s|" + status.ToWire();

    public static string TagPartition(string tag, TaskState status) => "t|" + tag + "|" + status.ToWire();

    /// <summary>The partitions a task belongs to.</summary>
    public static IEnumerable<string> Partitions(TaskItem task)
    {
        yield return StatusPartition(task.Status);
        foreach (var tag in task.Tags)
        {
            yield return TagPartition(tag, task.Status);
        }
    }

    /// <summary>The partitions a list reads for its filters.</summary>
    public static IReadOnlyList<string> PartitionsFor(TaskState? status, string? tag)
    {
        var statuses = status is { } one ? [one] : TaskStates.All;
        return tag is null
            ? statuses.Select(StatusPartition).ToList()
            : statuses.Select(s => TagPartition(tag, s)).ToList();
    }

    /// <summary>Every (PartitionKey, RowKey) the index holds for a task.</summary>
    public static IEnumerable<(string PartitionKey, string RowKey)> Rows(TaskItem task)
    {
        foreach (var partition in Partitions(task))
        {
            foreach (var field in Enum.GetValues<TaskSortField>())
            {
                yield return (partition, RowKey(task, field, descending: false));
                yield return (partition, RowKey(task, field, descending: true));
            }
        }

        if (task is { Status: TaskState.Running, WorkerId: { } worker })
        {
            yield return (StatusPartition(TaskState.Running), AttemptRowKey(worker, task.StartedAt ?? task.UpdatedAt, task.Attempt, task.Id));
        }
    }

    /// <summary>
    /// A running task also has one key that says who runs which attempt since when,
    /// <c>w|{worker}|{started_at}|{attempt}|{task id}</c>, written in the same batch as its other running rows: the
    /// lost-worker sweep reads its whole picture from these keys, without reading a task row.
    /// </summary>
    public static string AttemptRowKey(string workerId, DateTimeOffset startedAt, int attempt, string taskId) =>
        string.Concat(AttemptPrefix, workerId, "|", Ticks(startedAt, false), "|", attempt.ToString("D4", CultureInfo.InvariantCulture), "|", taskId);

    /// <summary>Reads an <see cref="AttemptRowKey"/> back (worker ids have no '|').</summary>
    public static AttemptKey ParseAttemptRowKey(string rowKey)
    {
        var parts = rowKey.Split('|');
        return new AttemptKey(
            parts[4],
            parts[1],
            int.Parse(parts[3], CultureInfo.InvariantCulture),
            new DateTimeOffset(long.Parse(parts[2], CultureInfo.InvariantCulture), TimeSpan.Zero));
    }

    /// <summary>The first characters shared by every row of one sort order: a range query's bounds.</summary>
    public static string RangePrefix(TaskSortField field, bool descending) =>
        string.Concat(FieldCode(field), descending ? "d" : "a", "|");

    public static string RowKey(TaskItem task, TaskSortField field, bool descending)
    {
        var primary = field switch
        {
            TaskSortField.CreatedAt => Ticks(task.CreatedAt, descending),
            TaskSortField.UpdatedAt => Ticks(task.UpdatedAt, descending),
            TaskSortField.ScheduledAt => task.ScheduledAt is { } at ? Ticks(at, descending) : NullTime,
            TaskSortField.Priority => (descending ? TaskLimits.MaxPriority - task.Priority : task.Priority).ToString("00", CultureInfo.InvariantCulture),
            TaskSortField.Name => NameKey(task.Name, descending),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };
        var tieBreak = field == TaskSortField.CreatedAt ? string.Empty : Ticks(task.CreatedAt, descending) + "|";
        return string.Concat(RangePrefix(field, descending), primary, "|", tieBreak, task.Id);
    }

    /// <summary>
    /// The ascending <c>updated_at</c> key prefix of a moment: every key of a task updated at or after
    /// <paramref name="at"/> sorts after it, every key of one updated before sorts before it.
    /// </summary>
    public static string UpdatedAtBound(DateTimeOffset at) => RangePrefix(TaskSortField.UpdatedAt, false) + Ticks(at, false);

    /// <summary>The task id is always the last segment of a RowKey.</summary>
    public static string TaskIdOf(string rowKey) => rowKey[(rowKey.LastIndexOf('|') + 1)..];

    private static string FieldCode(TaskSortField field) => field switch
    {
        TaskSortField.CreatedAt => "c",
        TaskSortField.UpdatedAt => "u",
        TaskSortField.Priority => "p",
        TaskSortField.ScheduledAt => "s",
        TaskSortField.Name => "n",
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    private static string Ticks(DateTimeOffset value, bool descending) =>
        (descending ? DateTimeOffset.MaxValue.UtcTicks - value.UtcTicks : value.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>
    /// Hex of the lower-cased UTF-8 name (so any character is a legal RowKey character), each byte inverted for
    /// descending order. The terminator makes a name sort before its extensions ascending and after them descending.
    /// </summary>
    private static string NameKey(string name, bool descending)
    {
        var bytes = Encoding.UTF8.GetBytes(name.ToLowerInvariant());
        var length = Math.Min(bytes.Length, NameKeyBytes);
        var builder = new StringBuilder((length * 2) + 1);
        for (var i = 0; i < length; i++)
        {
            builder.Append((descending ? (byte)(255 - bytes[i]) : bytes[i]).ToString("x2", CultureInfo.InvariantCulture));
        }

        return builder.Append(descending ? '~' : '!').ToString();
    }
}
