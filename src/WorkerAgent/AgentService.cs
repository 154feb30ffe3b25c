using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using TaskScheduler.Core.Telemetry;
using TaskScheduler.Core.Workers;

namespace TaskScheduler.WorkerAgent;

/// <summary>
/// The agent: registers, heart-beats, and while a slot is free takes the next dispatch message of the highest
/// band, claims it and runs it. Idle polling backs off with jitter and resets on work. An agent that cannot reach
/// the API for longer than its lease stops its commands itself. On SIGTERM it stops taking work, lets running
/// commands finish up to the drain timeout, then stops them and reports.
/// </summary>
public sealed partial class AgentService(
    SchedulerApiClient api,
    DispatchQueues queues,
    IOptions<AgentOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<AgentService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<RunningAttempt, (AttemptRun Run, Task Task)> _running = new();
    private readonly SemaphoreSlim _slots = new(options.Value.Slots, options.Value.Slots);
    private readonly ResourceSampler _resources = new(options.Value.WorkDirectory);
    private string _workerId = options.Value.WorkerId ?? $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(64, Environment.MachineName.Length + 9)];
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(options.Value.HeartbeatIntervalSeconds);
    private TimeSpan _lease = TimeSpan.FromSeconds(options.Value.HeartbeatIntervalSeconds * 3);
    private DateTimeOffset _lastContact = DateTimeOffset.UtcNow;

    public string WorkerId => _workerId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RegisterAsync(stoppingToken);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeats = HeartbeatLoopAsync(heartbeatStop.Token);
        try
        {
            await DispatchLoopAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await DrainAsync();
        await heartbeatStop.CancelAsync();
        await heartbeats;
    }

    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var (id, heartbeat, lease) = await api.RegisterAsync(_workerId, stoppingToken);
                (_workerId, _heartbeatInterval, _lease, _lastContact) = (id, TimeSpan.FromSeconds(heartbeat), TimeSpan.FromSeconds(lease), DateTimeOffset.UtcNow);
                LogRegistered(logger, _workerId, options.Value.Slots, heartbeat, lease);
                return;
            }
            catch (SchedulerUnreachableException)
            {
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    private async Task DispatchLoopAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(options.Value.MinPollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            await _slots.WaitAsync(stoppingToken);
            var started = false;
            try
            {
                if (DateTimeOffset.UtcNow - _lastContact > _lease)
                {
                    // Out of contact: taking work we could not report would only be run twice.
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                var received = await ReceiveAsync(stoppingToken);
                if (received is null)
                {
                    await Task.Delay(Jitter(idle), stoppingToken);
                    idle = TimeSpan.FromMilliseconds(Math.Min(options.Value.MaxPollMilliseconds, idle.TotalMilliseconds * 2));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(options.Value.MinPollMilliseconds);
                started = await ClaimAndStartAsync(received);
            }
            finally
            {
                if (!started)
                {
                    _slots.Release();
                }
            }
        }
    }

    private async Task<ReceivedDispatch?> ReceiveAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await queues.ReceiveNextAsync(stoppingToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            LogQueueError(logger, ex.Status, ex.ErrorCode);
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            return null;
        }
    }

    /// <returns>True when a command started (and holds the slot until it ends).</returns>
    private async Task<bool> ClaimAndStartAsync(ReceivedDispatch received)
    {
        if (received.Dispatch is not { } dispatch)
        {
            LogPoison(logger, received.Queue, received.Message.MessageId);
            await queues.DeleteAsync(received, CancellationToken.None);
            return false;
        }

        // The attempt's span joins the task's trace (started by the request that created it).
        using var span = SchedulerTelemetry.StartLinked("claim attempt", dispatch.TraceParent, System.Diagnostics.ActivityKind.Consumer);
        span?.SetTag("task.id", dispatch.TaskId).SetTag("task.attempt", dispatch.Attempt);

        // From here on a shutdown must not interrupt: a claim the scheduler accepted has to run (or be drained).
        ApiAnswer answer;
        ClaimedAttempt? claimed;
        try
        {
            (answer, claimed) = await api.ClaimAsync(dispatch.TaskId, dispatch.Attempt, _workerId, CancellationToken.None);
            _lastContact = DateTimeOffset.UtcNow;
        }
        catch (SchedulerUnreachableException)
        {
            // Leave the message: it reappears after its claim window for this or another agent.
            return false;
        }

        await queues.DeleteAsync(received, CancellationToken.None);
        if (answer != ApiAnswer.Accepted || claimed is null)
        {
            LogNotClaimed(logger, dispatch.TaskId, dispatch.Attempt, answer);
            return false;
        }

        var run = new AttemptRun(claimed, _workerId, api, options, loggerFactory.CreateLogger<AttemptRun>(), span?.Id ?? dispatch.TraceParent);
        var task = Task.Run(async () =>
        {
            try
            {
                await run.RunAsync();
            }
            catch (Exception ex)
            {
                // The attempt's one boundary: the scheduler ends an attempt the agent could not finish.
                LogRunFailed(logger, ex, claimed.TaskId, claimed.Attempt);
            }
            finally
            {
                _running.TryRemove(run.Id, out _);
                _slots.Release();
            }
        }, CancellationToken.None);
        _running[run.Id] = (run, task);
        return true;
    }

    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        var nextBeat = DateTimeOffset.UtcNow;
        while (!stop.IsCancellationRequested)
        {
            if (DateTimeOffset.UtcNow >= nextBeat)
            {
                nextBeat = DateTimeOffset.UtcNow + _heartbeatInterval;
                await BeatAsync(stop);
            }

            if (DateTimeOffset.UtcNow - _lastContact > _lease && !_running.IsEmpty)
            {
                LogLeaseExpired(logger, _lease.TotalSeconds, _running.Count);
                foreach (var (run, _) in _running.Values)
                {
                    run.RequestStop(StopReason.LeaseExpired);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task BeatAsync(CancellationToken stop)
    {
        try
        {
            var kill = await api.HeartbeatAsync(_workerId, _running.Keys.ToList(), _resources.Sample(), stop);
            _lastContact = DateTimeOffset.UtcNow;
            foreach (var attempt in kill)
            {
                if (_running.TryGetValue(attempt, out var entry))
                {
                    entry.Run.RequestStop(StopReason.Scheduler);
                }
            }
        }
        catch (SchedulerUnreachableException)
        {
            // Logged once per outage by the client; the lease check above decides what to do.
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task DrainAsync()
    {
        if (_running.IsEmpty)
        {
            return;
        }

        LogDraining(logger, _running.Count, options.Value.DrainTimeoutSeconds);
        var all = Task.WhenAll(_running.Values.Select(r => r.Task));
        if (await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(options.Value.DrainTimeoutSeconds))) != all)
        {
            foreach (var (run, _) in _running.Values)
            {
                run.RequestStop(StopReason.Shutdown);
            }

            await all;
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Registered as {WorkerId} with {Slots} slots (heartbeat {Heartbeat} s, lease {Lease} s)")]
    private static partial void LogRegistered(ILogger logger, string workerId, int slots, int heartbeat, int lease);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Deleted a poison message {MessageId} from {Queue}: it is not a dispatch message")]
    private static partial void LogPoison(ILogger logger, string queue, string messageId);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} not claimed ({Answer}); message deleted")]
    private static partial void LogNotClaimed(ILogger logger, string taskId, int attempt, ApiAnswer answer);

    [LoggerMessage(EventId = 4204, Level = LogLevel.Error, Message = "Task {TaskId} attempt {Attempt} could not be run")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string taskId, int attempt);

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "No contact with the scheduler for over {Lease} s: stopping {Count} commands")]
    private static partial void LogLeaseExpired(ILogger logger, double lease, int count);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Information, Message = "Shutting down: waiting up to {Seconds} s for {Count} running commands")]
    private static partial void LogDraining(ILogger logger, int count, int seconds);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "Queue storage error {Status} {Code}; retrying")]
    private static partial void LogQueueError(ILogger logger, int status, string? code);
}
