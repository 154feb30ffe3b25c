using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using TaskScheduler.Functions.Orchestrations;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>
/// What the firing step counted: the background (SelfHost with an idle real agent), <see cref="Firings"/> firings of
/// one interval schedule, and as many tasks posted at the same pace; per firing and per task, background subtracted.
/// </summary>
public sealed record FiringResult(
    string Label,
    int Firings,
    int IntervalSeconds,
    int EnginePollingMs,
    CountWindow Background,
    CountWindow Schedule,
    CountWindow Tasks,
    Dictionary<string, double> PerFiring,
    Dictionary<string, double> PerTask,
    CpuUse? Cpu);

/// <summary>
/// Issue 16's storage cost of one schedule firing, through the counting proxy: a schedule every
/// <see cref="BenchOptions.FiringIntervalSeconds"/> s (task <c>true</c>, overlap <c>allow</c>, so every fire time makes a
/// task) fires <see cref="BenchOptions.Firings"/> + 1 times and then ends (<c>end_at</c>), with real agents completing
/// the tasks. The window opens once the first firing's task exists (the schedule's create is not a firing) and closes
/// after the last task's first-check timer. Then the same number of tasks through <c>POST /tasks</c> at the same pace,
/// counted the same way: the difference is the firing itself (the schedule's orchestration turn and
/// <c>ContinueAsNew</c>, its row and run row), the rest is the task it creates. The bench watches the tasks table in
/// Azurite directly, uncounted.
/// </summary>
public sealed class FiringBenchmark(BenchOptions options, ILogger logger)
{
    private static readonly TimeSpan Trailing = TimeSpan.FromSeconds(TaskWorkflow.FirstCheckSeconds + 5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var system = await BenchSystem.StartAsync(options, logger, cancellationToken);
        var (api, counter, observer) = (system.Api, system.Counter, StoreObserver.Of(options));
        var (firings, interval) = (options.Firings, TimeSpan.FromSeconds(options.FiringIntervalSeconds));
        var deadline = (interval * (firings + 1)) + TimeSpan.FromSeconds(120);
        await Poll.UntilAsync(() => api.CountWorkersAsync(), n => n >= options.RealAgents, TimeSpan.FromSeconds(60), "the agents to register");
        var warmup = await api.CreateTaskAsync("warmup");
        await Poll.UntilAsync(() => DoneAsync(observer, id => id == warmup, cancellationToken), n => n == 1, TimeSpan.FromSeconds(60), "the warm-up task");

        await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), cancellationToken);
        logger.LogInformation("SelfHost with {Agents} idle agent(s) for {Idle} s", options.RealAgents, options.IdleSeconds);
        var background = await counter.MeasureAsync("selfhost + idle agent", () => Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds), cancellationToken));
        var load = system.StartLoad();

        var startAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var (status, body) = await api.PostJsonAsync("schedules", new
        {
            name = "bench-firing",
            interval_seconds = options.FiringIntervalSeconds,
            start_at = startAt.ToString("O", CultureInfo.InvariantCulture),
            end_at = (startAt + (interval * firings) + (interval / 2)).ToString("O", CultureInfo.InvariantCulture),
            overlap_policy = "allow",
            task = new { name = "bench-fired", command = "true", max_retries = 0 },
        });
        var scheduleId = status == HttpStatusCode.Created ? body.GetProperty("data").GetProperty("id").GetString()! : throw new HttpRequestException($"POST /schedules answered {(int)status}: {body}");
        bool Fired(string id) => id.StartsWith(scheduleId + "-", StringComparison.Ordinal);
        await Poll.UntilAsync(() => MadeAsync(observer, Fired, cancellationToken), n => n >= 1, TimeSpan.FromSeconds(60), "the schedule's first task", TimeSpan.FromMilliseconds(50));
        logger.LogInformation("Schedule {Id}: counting {Firings} firings, {Interval} s apart", scheduleId, firings, options.FiringIntervalSeconds);
        var schedule = await counter.MeasureAsync($"{firings} firings", async () =>
        {
            await Poll.UntilAsync(() => DoneAsync(observer, Fired, cancellationToken), n => n >= firings + 1, deadline, "the schedule's tasks to complete", TimeSpan.FromMilliseconds(500));
            await Task.Delay(Trailing, cancellationToken);
        });

        var posted = new HashSet<string>(StringComparer.Ordinal) { await api.CreateTaskAsync("paced-0") };
        await Poll.UntilAsync(() => DoneAsync(observer, posted.Contains, cancellationToken), n => n == 1, TimeSpan.FromSeconds(60), "the first paced task");
        logger.LogInformation("{Tasks} tasks through POST /tasks, {Interval} s apart", firings, options.FiringIntervalSeconds);
        var tasks = await counter.MeasureAsync($"{firings} tasks", async () =>
        {
            for (var i = 1; i <= firings; i++)
            {
                await Task.Delay(interval, cancellationToken);
                posted.Add(await api.CreateTaskAsync($"paced-{i}"));
            }

            await Poll.UntilAsync(() => DoneAsync(observer, posted.Contains, cancellationToken), n => n == firings + 1, deadline, "the paced tasks to complete", TimeSpan.FromMilliseconds(500));
            await Task.Delay(Trailing, cancellationToken);
        });

        var result = new FiringResult(
            options.Label, firings, options.FiringIntervalSeconds, options.EnginePollingMs, background, schedule, tasks,
            schedule.PerTask(background, firings), tasks.PerTask(background, firings), load.Stop());
        await Results.WriteAsync(options, options.Label + ".json", result);
        logger.LogInformation(
            "Per firing: {Firing:F1} storage requests (agent included); per task posted at the same pace: {Task:F1}",
            result.PerFiring.Values.Sum(), result.PerTask.Values.Sum());
    }

    private static async Task<int> MadeAsync(StoreObserver observer, Func<string, bool> which, CancellationToken cancellationToken) =>
        (await observer.GetAllTasksAsync(cancellationToken)).Count(t => which(t.Id));

    private static async Task<int> DoneAsync(StoreObserver observer, Func<string, bool> which, CancellationToken cancellationToken) =>
        (await observer.GetAllTasksAsync(cancellationToken)).Count(t => which(t.Id) && t.Status is "completed" or "failed");
}
