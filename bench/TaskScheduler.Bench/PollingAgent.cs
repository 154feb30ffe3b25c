using System.Diagnostics;
using System.Net;
using TaskScheduler.TestSupport;

namespace TaskScheduler.Bench;

/// <summary>What a fake agent saw of one attempt, on the bench's clocks (Stopwatch timestamps for the receive and the claim's 200).</summary>
public sealed record ClaimedDispatch(string TaskId, int Attempt, DateTimeOffset ReceivedAt, long ReceivedTicks, long ClaimedTicks);

/// <summary>
/// A single-slot agent on tests/TestSupport's <see cref="FakeAgent"/>: it polls the priority queues as src/WorkerAgent
/// does (idle back-off doubling from <see cref="BenchOptions.MinPollMs"/> to <see cref="BenchOptions.MaxPollMs"/> with
/// ±20 % jitter, reset on work), claims, and completes the attempt at once instead of running a command. It
/// heart-beats every 10 s like the real agent, so the scheduler sees a live worker.
/// </summary>
public sealed class PollingAgent(BenchSystem system, string workerId, BenchOptions options, Func<ClaimedDispatch, Task> onClaimed, Action<ClaimedDispatch, long>? onCompleted = null)
{
    private readonly FakeAgent _agent = new(system.Host!, workerId, system.QueueConnection);

    /// <summary>Claims that lost (409) or named an unknown task (404): expected to stay 0 with one claimer per message.</summary>
    public int Refused { get; private set; }

    public Task RegisterAsync() => _agent.RegisterAsync();

    /// <summary>Polls, claims and completes until <paramref name="stop"/> is cancelled; heart-beats alongside.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var heartbeats = HeartbeatLoopAsync(stop);
        var idle = TimeSpan.FromMilliseconds(options.MinPollMs);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (await _agent.TryHandleNextAsync(HandleAsync, stop))
                {
                    idle = TimeSpan.FromMilliseconds(options.MinPollMs);
                    continue;
                }

                await Task.Delay(idle * (0.8 + (Random.Shared.NextDouble() * 0.4)), stop);
                idle = TimeSpan.FromMilliseconds(Math.Min(options.MaxPollMs, idle.TotalMilliseconds * 2));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await heartbeats;
    }

    /// <summary>As the real agent: once received, the claim and the completion are not interrupted by a stop.</summary>
    private async Task HandleAsync(AgentProtocol.DispatchMessage dispatch)
    {
        var (receivedAt, receivedTicks) = (DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
        var (status, _) = await _agent.ClaimAsync(dispatch.TaskId, dispatch.Attempt);
        if (status != HttpStatusCode.OK)
        {
            Refused++;
            return;
        }

        var claimed = new ClaimedDispatch(dispatch.TaskId, dispatch.Attempt, receivedAt, receivedTicks, Stopwatch.GetTimestamp());
        await onClaimed(claimed);
        await _agent.CompleteAsync(dispatch.TaskId, dispatch.Attempt, string.Empty);
        onCompleted?.Invoke(claimed, Stopwatch.GetTimestamp());
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            do
            {
                await _agent.HeartbeatAsync();
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
