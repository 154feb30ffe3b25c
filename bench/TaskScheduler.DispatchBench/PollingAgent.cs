using System.Diagnostics;
using System.Net;
using Azure.Storage.Queues;
using TaskScheduler.AgentProtocol;

namespace TaskScheduler.DispatchBench;

/// <summary>What a fake agent saw of one attempt, on the bench's clocks.</summary>
/// <param name="ReceivedAt">Wall clock when the dispatch message was received.</param>
/// <param name="ReceivedTicks">Stopwatch timestamp of the receive.</param>
/// <param name="ClaimedTicks">Stopwatch timestamp when the claim answered 200.</param>
public sealed record ClaimedDispatch(string TaskId, int Attempt, string WorkerId, DateTimeOffset ReceivedAt, long ReceivedTicks, long ClaimedTicks);

/// <summary>
/// A single-slot agent that reads the priority queues exactly as src/WorkerAgent does (one message per receive,
/// high, then normal, then low; idle back-off doubling from <see cref="DispatchBenchOptions.MinPollMs"/> to
/// <see cref="DispatchBenchOptions.MaxPollMs"/> with ±20 % jitter, reset on work), claims over HTTP, deletes the
/// message, and completes the attempt at once instead of running a command. It heart-beats every 10 s like the
/// real agent, so the scheduler sees a live worker.
/// </summary>
public sealed class PollingAgent
{
    private static readonly TimeSpan ClaimWindow = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    private readonly SchedulerApi _api;
    private readonly IReadOnlyList<QueueClient> _bands;
    private readonly DispatchBenchOptions _options;
    private readonly Func<ClaimedDispatch, Task> _onClaimed;
    private readonly Action<ClaimedDispatch, long>? _onCompleted;

    /// <param name="onClaimed">Called when a claim won, before the completion is sent.</param>
    /// <param name="onCompleted">Called with the Stopwatch timestamp when <c>/complete</c> answered.</param>
    public PollingAgent(
        string workerId,
        SchedulerApi api,
        DispatchBenchOptions options,
        Func<ClaimedDispatch, Task> onClaimed,
        Action<ClaimedDispatch, long>? onCompleted = null)
    {
        WorkerId = workerId;
        _api = api;
        _options = options;
        _onClaimed = onClaimed;
        _onCompleted = onCompleted;
        var service = new QueueServiceClient(options.AgentStorage, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });
        _bands = QueueNames.ByPrecedence.Select(name => service.GetQueueClient(options.Prefix + name)).ToList();
    }

    public string WorkerId { get; }

    /// <summary>Claims that lost (409) or named an unknown task (404): expected to stay 0 with one claimer per message.</summary>
    public int Refused { get; private set; }

    public Task RegisterAsync(CancellationToken cancellationToken) => _api.RegisterWorkerAsync(WorkerId, cancellationToken);

    /// <summary>Polls, claims and completes until <paramref name="stop"/> is cancelled; heart-beats alongside.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var heartbeats = HeartbeatLoopAsync(stop);
        try
        {
            await DispatchLoopAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        await heartbeats;
    }

    private async Task DispatchLoopAsync(CancellationToken stop)
    {
        var idle = TimeSpan.FromMilliseconds(_options.MinPollMs);
        while (!stop.IsCancellationRequested)
        {
            var received = await ReceiveNextAsync(stop);
            if (received is null)
            {
                await Task.Delay(idle * (0.8 + (Random.Shared.NextDouble() * 0.4)), stop);
                idle = TimeSpan.FromMilliseconds(Math.Min(_options.MaxPollMs, idle.TotalMilliseconds * 2));
                continue;
            }

            idle = TimeSpan.FromMilliseconds(_options.MinPollMs);
            var (queue, message, receivedAt, receivedTicks) = received.Value;
            var dispatch = DispatchMessage.TryParse(message.MessageText);
            if (dispatch is null)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                continue;
            }

            // As the real agent: once received, the claim and the delete are not interrupted by a stop.
            var status = await _api.ClaimAsync(dispatch.TaskId, dispatch.Attempt, WorkerId, CancellationToken.None);
            var claimedTicks = Stopwatch.GetTimestamp();
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
            if (status != HttpStatusCode.OK)
            {
                Refused++;
                continue;
            }

            var claimed = new ClaimedDispatch(dispatch.TaskId, dispatch.Attempt, WorkerId, receivedAt, receivedTicks, claimedTicks);
            await _onClaimed(claimed);
            await _api.CompleteAsync(dispatch.TaskId, dispatch.Attempt, WorkerId, CancellationToken.None);
            _onCompleted?.Invoke(claimed, Stopwatch.GetTimestamp());
        }
    }

    private async Task<(QueueClient Queue, Azure.Storage.Queues.Models.QueueMessage Message, DateTimeOffset ReceivedAt, long ReceivedTicks)?> ReceiveNextAsync(CancellationToken stop)
    {
        foreach (var band in _bands)
        {
            var message = (await band.ReceiveMessageAsync(ClaimWindow, stop)).Value;
            if (message is not null)
            {
                return (band, message, DateTimeOffset.UtcNow, Stopwatch.GetTimestamp());
            }
        }

        return null;
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval);
        try
        {
            do
            {
                await _api.HeartbeatAsync(WorkerId, [], CancellationToken.None);
            }
            while (await timer.WaitForNextTickAsync(stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
