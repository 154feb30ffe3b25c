using System.Diagnostics;
using System.Net;
using Azure.Storage.Queues;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.DispatchBench;

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
public sealed class PhaseProbe(DispatchBenchOptions options, SchedulerApi api, ProxyCounts proxy, StoreObserver observer)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(8);

    private readonly QueueClient _normal = new QueueServiceClient(options.Storage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None })
        .GetQueueClient(options.Prefix + QueueNames.Normal);

    private readonly Dictionary<string, (double Seconds, Dictionary<string, long> Counts)> _phases = new(StringComparer.Ordinal);

    /// <param name="background">The quiet window whose rate is subtracted (SelfHost alone: no agent polls here).</param>
    public async Task<IReadOnlyList<Phase>> RunAsync(int tasks, CountWindow background, CancellationToken cancellationToken)
    {
        var workerId = "bench-probe-" + Guid.NewGuid().ToString("N")[..6];
        await api.RegisterWorkerAsync(workerId, cancellationToken);
        for (var i = 0; i < tasks; i++)
        {
            // A worker that stays silent is swept offline and its attempt lost: beat between tasks, uncounted.
            await api.HeartbeatAsync(workerId, [], cancellationToken);
            string? id = null;
            await MeasureAsync("1. POST /tasks (row, index, orchestration start, queue message)", async () => id = await api.CreateTaskAsync($"probe-{i}", "true", 5, cancellationToken, (int)ProbeTimeout.TotalSeconds), cancellationToken);
            var attempt = await MeasureAsync("2. engine: the first episode (arms the timeout timer)", () => ReceiveAsync(id!, cancellationToken), cancellationToken);
            var claimedAt = Stopwatch.StartNew();
            await MeasureAsync("3. POST /claim (running row and index, worker's task; no event)", async () =>
            {
                var status = await api.ClaimAsync(id!, attempt, workerId, cancellationToken);
                if (status != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"The probe's claim of {id} answered {(int)status}.");
                }
            }, cancellationToken);
            await MeasureAsync("4. engine, after the claim (nothing to do in v2)", () => Task.Delay(TimeSpan.FromSeconds(1), cancellationToken), cancellationToken);
            await MeasureAsync("5. POST /complete (completed row and index, TaskChanged raised)", () => api.CompleteAsync(id!, attempt, workerId, cancellationToken), cancellationToken);
            await MeasureAsync("6. engine: the end episode (NotifyWaitingTasks only with dependents)", async () =>
            {
                if (!await observer.WaitForOrchestrationAsync(id!, Timeout, cancellationToken))
                {
                    throw new TimeoutException($"The orchestration of {id} did not complete within {Timeout.TotalSeconds} s.");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }, cancellationToken);
            await MeasureAsync("7. engine, later: the cancelled timeout timer fires", async () =>
            {
                var due = ProbeTimeout + TimeSpan.FromSeconds(3) - claimedAt.Elapsed;
                await Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, cancellationToken);
            }, cancellationToken);
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
        var workerId = "bench-running-" + Guid.NewGuid().ToString("N")[..6];
        await api.RegisterWorkerAsync(workerId, cancellationToken);
        var id = await api.CreateTaskAsync("running", "sleep 3600", 5, cancellationToken, 3600);
        var attempt = await ReceiveAsync(id, cancellationToken);
        if (await api.ClaimAsync(id, attempt, workerId, cancellationToken) != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The claim of {id} was refused.");
        }

        var window = await proxy.MeasureAsync("a running task", async () =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await api.HeartbeatAsync(workerId, [(id, attempt)], cancellationToken);
                var next = TimeSpan.FromSeconds(Math.Min(10, (duration - clock.Elapsed).TotalSeconds));
                await Task.Delay(next > TimeSpan.Zero ? next : TimeSpan.Zero, cancellationToken);
            }
        }, cancellationToken);
        await api.CompleteAsync(id, attempt, workerId, cancellationToken);
        if (!await observer.WaitForOrchestrationAsync(id, Timeout, cancellationToken))
        {
            throw new TimeoutException($"The orchestration of {id} did not complete within {Timeout.TotalSeconds} s.");
        }

        var perMinute = window.PerTask(background, 1).ToDictionary(kv => kv.Key, kv => kv.Value * 60 / window.Seconds, StringComparer.Ordinal);
        return new RunningCost(
            window.Seconds,
            perMinute,
            await observer.CountHistoryRowsAsync(id, cancellationToken),
            await observer.CountHistoryRowsAsync(shortTaskId, cancellationToken));
    }

    private async Task MeasureAsync(string phase, Func<Task> action, CancellationToken cancellationToken) =>
        await MeasureAsync(phase, async () =>
        {
            await action();
            return 0;
        }, cancellationToken);

    private async Task<T> MeasureAsync<T>(string phase, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        var before = await proxy.SnapshotAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        var result = await action();
        var seconds = clock.Elapsed.TotalSeconds;
        var after = await proxy.SnapshotAsync(cancellationToken);
        var (total, counts) = _phases.GetValueOrDefault(phase, (0, new Dictionary<string, long>(StringComparer.Ordinal)));
        foreach (var (key, value) in after)
        {
            counts[key] = counts.GetValueOrDefault(key) + value - before.GetValueOrDefault(key);
        }

        _phases[phase] = (total + seconds, counts);
        return result;
    }

    /// <summary>Waits for the task's dispatch message (directly in Azurite, uncounted), deletes it, returns its attempt.</summary>
    private async Task<int> ReceiveAsync(string taskId, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Timeout)
        {
            foreach (var message in (await _normal.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), cancellationToken)).Value)
            {
                await _normal.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                if (DispatchMessage.TryParse(message.MessageText) is { } dispatch && dispatch.TaskId == taskId)
                {
                    return dispatch.Attempt;
                }
            }

            await Task.Delay(10, cancellationToken);
        }

        throw new TimeoutException($"No dispatch message for {taskId} within {Timeout.TotalSeconds} s.");
    }
}
