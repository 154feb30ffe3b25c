using TaskScheduler.Core.Api;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Bench;

/// <summary>
/// The data set, generated from a fixed seed so every run benchmarks the same mix: mostly pending tasks, some
/// queued, running, completed and failed; priorities 1-10; zero to two common tags; one rare tag on a few tasks.
/// </summary>
public static class SeedPlan
{
    public const string RareTag = "rare-audit";

    private const int RandomSeed = 20_260_101;

    private static readonly string[] Words = ["backup", "report", "sync", "import", "export", "cleanup", "build", "index"];

    public static IReadOnlyList<string> CommonTags { get; } = ["etl", "billing", "reports", "nightly"];

    /// <summary>Percent of the data set in each final state (cancelled stays empty, as on a young system).</summary>
    public static IReadOnlyList<(TaskState State, int Percent)> StatusMix { get; } =
    [
        (TaskState.Pending, 80),
        (TaskState.Queued, 5),
        (TaskState.Running, 3),
        (TaskState.Completed, 8),
        (TaskState.Failed, 4),
    ];

    /// <summary>
    /// The tasks to seed, each as inserted (pending) with the state it is then moved to. Tasks that move come
    /// first: a move deletes and rewrites index rows, and Azurite's cost per write grows with the table, so moving
    /// them while the table is small keeps the seed within minutes. The end state does not depend on the order.
    /// </summary>
    public static IReadOnlyList<SeedTask> Generate(int count, int rareCount, DateTimeOffset now)
    {
        var random = new Random(RandomSeed);
        var rareEvery = rareCount > 0 ? Math.Max(1, count / rareCount) : int.MaxValue;
        var origin = Timestamps.Truncate(now) - TimeSpan.FromSeconds(10L * count);
        var tasks = new List<SeedTask>(count);
        var rareGiven = 0;
        for (var i = 0; i < count; i++)
        {
            var createdAt = origin + TimeSpan.FromSeconds(10L * i) + TimeSpan.FromMilliseconds(random.Next(1000));
            var tags = PickTags(random);
            if (i % rareEvery == rareEvery / 2 && rareGiven < rareCount)
            {
                tags = [.. tags, RareTag];
                rareGiven++;
            }

            var task = new TaskItem
            {
                Id = TaskIds.New(),
                Name = string.Concat(Words[random.Next(Words.Length)], "-", i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)),
                Command = "echo bench",
                Priority = random.Next(TaskLimits.MinPriority, TaskLimits.MaxPriority + 1),
                RetriesLeft = TaskDefaults.MaxRetries,
                ScheduledAt = random.Next(100) < 30 ? createdAt + TimeSpan.FromMinutes(random.Next(1, 600)) : null,
                Tags = tags,
                CreatedAt = createdAt,
                UpdatedAt = createdAt,
            };
            tasks.Add(new SeedTask(task, PickState(random)));
        }

        return [.. tasks.Where(t => t.FinalState != TaskState.Pending), .. tasks.Where(t => t.FinalState == TaskState.Pending)];
    }

    /// <summary>Zero to two common tags, as <see cref="Generate"/> gives them (for create bodies too).</summary>
    public static IReadOnlyList<string> PickTags(Random random)
    {
        var roll = random.Next(100);
        if (roll < 35)
        {
            return [];
        }

        var first = CommonTags[random.Next(CommonTags.Count)];
        if (roll < 85)
        {
            return [first];
        }

        var second = CommonTags[random.Next(CommonTags.Count)];
        return second == first ? [first] : [first, second];
    }

    /// <summary>The task as a scheduler run would have left it in <paramref name="state"/>.</summary>
    public static TaskItem MoveTo(TaskItem task, TaskState state)
    {
        var started = task.CreatedAt + TimeSpan.FromMinutes(2);
        return state switch
        {
            TaskState.Pending => task,
            TaskState.Queued => task with { Status = state, Attempt = 1, UpdatedAt = task.CreatedAt + TimeSpan.FromMinutes(1) },
            TaskState.Running => task with { Status = state, Attempt = 1, StartedAt = started, WorkerId = "bench-agent", UpdatedAt = started },
            TaskState.Completed => task with
            {
                Status = state, Attempt = 1, StartedAt = started, WorkerId = "bench-agent", Result = "ok",
                CompletedAt = started + TimeSpan.FromSeconds(30), UpdatedAt = started + TimeSpan.FromSeconds(30),
            },
            TaskState.Failed => task with
            {
                Status = state, Attempt = task.MaxRetries + 1, RetryCount = task.MaxRetries, RetriesLeft = 0, StartedAt = started,
                WorkerId = "bench-agent", Error = "exit code 1",
                CompletedAt = started + TimeSpan.FromSeconds(30), UpdatedAt = started + TimeSpan.FromSeconds(30),
            },
            _ => task with { Status = state, UpdatedAt = started },
        };
    }

    private static TaskState PickState(Random random)
    {
        var roll = random.Next(100);
        foreach (var (state, percent) in StatusMix)
        {
            if (roll < percent)
            {
                return state;
            }

            roll -= percent;
        }

        return TaskState.Pending;
    }
}

/// <summary>One task of the data set: inserted as <see cref="Task"/>, then moved to <see cref="FinalState"/>.</summary>
public sealed record SeedTask(TaskItem Task, TaskState FinalState);
