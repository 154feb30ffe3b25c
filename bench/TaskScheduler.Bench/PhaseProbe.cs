using System.Diagnostics;
using System.Net;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>One part of a task's life and the storage requests it caused, per task, background subtracted.</summary>
public sealed record Phase(string Name, double Seconds, Dictionary<string, double> PerTask);

/// <summary>
/// What a task costs while it runs, per minute (its agent's heartbeats and the sweeps included), and how its
/// orchestration's history grew compared with a task that ran for a moment.
/// </summary>
public sealed record RunningCost(double Seconds, Dictionary<string, double> PerMinute, int HistoryRows, int ShortTaskHistoryRows);

/// <summary>
/// Where one task's storage requests go: the bench plays the agent itself, one task at a time, and takes a snapshot
/// of the proxy's counts around each API call (<c>POST /tasks</c>, the claim, the completion); what falls between
/// the calls is the engine running the orchestration (its first episode, which arms the timeout timer; the end
/// episode), and, later, the attempt's timeout timer: cancelled when the attempt ended, its message still fires at
/// <c>timeout_seconds</c> (an hour by default) and costs the engine a visit to a finished instance. The probe's tasks time out after <see cref="ProbeTimeout"/> so that visit is
/// counted too. The bench reads and deletes the dispatch message directly in Azurite, so the agent's queue calls
/// are not in these figures (they are in the transactions table).
/// </summary>
public sealed class PhaseProbe(BenchSystem system, BenchOptions options, StoreObserver observer)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(8);

    private readonly HttpClient _api = system.Api;

    private readonly Dictionary<string, (double Seconds, Dictionary<string, long> Counts)> _phases = new(StringComparer.Ordinal);

    /// <param name="background">The quiet window whose rate is subtracted (SelfHost alone: no agent polls here).</param>
    public async Task<IReadOnlyList<Phase>> RunAsync(int tasks, CountWindow background, CancellationToken cancellationToken)
    {
        // It reads the dispatch messages in Azurite directly, uncounted.
        var agent = new FakeAgent(system.Host!, "bench-probe-" + Guid.NewGuid().ToString("N")[..6], options.Storage);
        await agent.RegisterAsync();
        for (var i = 0; i < tasks; i++)
        {
            // A worker that stays silent is swept offline and its attempt lost: beat between tasks, uncounted.
            await agent.HeartbeatAsync();
            string? id = null;
            await MeasureAsync("1. POST /tasks (row, index, orchestration start, queue message)", async () => id = await _api.CreateTaskAsync($"probe-{i}", "true", (int)ProbeTimeout.TotalSeconds));
            var attempt = await MeasureAsync("2. engine: the first episode (arms the timeout timer)", () => agent.ReceiveAsync(id!));
            var claimedAt = Stopwatch.StartNew();
            await MeasureAsync("3. POST /claim (running row and index, worker's task; no event)", async () =>
            {
                var (status, _) = await agent.ClaimAsync(id!, attempt);
                if (status != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The probe's claim of {id} answered {(int)status}.");
                }
            });
            await MeasureAsync("4. engine, after the claim (nothing to do in v2)", () => Task.Delay(TimeSpan.FromSeconds(1), cancellationToken));
            await MeasureAsync("5. POST /complete (completed row and index, TaskChanged raised)", () => agent.CompleteAsync(id!, attempt, string.Empty));
            await MeasureAsync("6. engine: the end episode (NotifyWaitingTasks only with dependents)", async () =>
            {
                await observer.WaitForOrchestrationAsync(id!, Timeout, cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            });
            await MeasureAsync("7. engine, later: the cancelled timeout timer fires", async () =>
            {
                var due = ProbeTimeout + TimeSpan.FromSeconds(3) - claimedAt.Elapsed;
                await Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, cancellationToken);
            });
        }

        return _phases
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new Phase(p.Key, p.Value.Seconds / tasks, new CountWindow(p.Key, p.Value.Seconds, p.Value.Counts).PerTask(background, tasks)))
            .ToList();
    }

    /// <summary>
    /// One task claimed and left running for <paramref name="duration"/> while the bench heart-beats for it every
    /// 10 s like the real agent; <paramref name="background"/> is the same system's rate without it, and
    /// <paramref name="shortTaskId"/> a task that ran for a moment, to compare their histories.
    /// </summary>
    public async Task<RunningCost> RunRunningAsync(TimeSpan duration, CountWindow background, string shortTaskId, CancellationToken cancellationToken)
    {
        var agent = new FakeAgent(system.Host!, "bench-running-" + Guid.NewGuid().ToString("N")[..6], options.Storage);
        await agent.RegisterAsync();
        var id = await _api.CreateTaskAsync("running", "sleep 3600", 3600);
        var attempt = await agent.ClaimNextAsync(id);
        var window = await system.Counter.MeasureAsync("a running task", async () =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await agent.HeartbeatAsync((id, attempt));
                var next = TimeSpan.FromSeconds(Math.Min(10, (duration - clock.Elapsed).TotalSeconds));
                await Task.Delay(next > TimeSpan.Zero ? next : TimeSpan.Zero, cancellationToken);
            }
        });
        await agent.CompleteAsync(id, attempt, string.Empty);
        await observer.WaitForOrchestrationAsync(id, Timeout, cancellationToken);

        var perMinute = window.PerTask(background, 1).ToDictionary(kv => kv.Key, kv => kv.Value * 60 / window.Seconds, StringComparer.Ordinal);
        return new RunningCost(
            window.Seconds,
            perMinute,
            await observer.CountHistoryRowsAsync(id, cancellationToken),
            await observer.CountHistoryRowsAsync(shortTaskId, cancellationToken));
    }

    private async Task MeasureAsync(string phase, Func<Task> action) =>
        await MeasureAsync(phase, async () =>
        {
            await action();
            return 0;
        });

    private async Task<T> MeasureAsync<T>(string phase, Func<Task<T>> action)
    {
        var before = system.Counter.Snapshot();
        var clock = Stopwatch.StartNew();
        var result = await action();
        var seconds = clock.Elapsed.TotalSeconds;
        var (total, counts) = _phases.GetValueOrDefault(phase, (0, new Dictionary<string, long>(StringComparer.Ordinal)));
        foreach (var (key, value) in system.Counter.Since(before))
        {
            counts[key] = counts.GetValueOrDefault(key) + value;
        }

        _phases[phase] = (total + seconds, counts);
        return result;
    }
}
