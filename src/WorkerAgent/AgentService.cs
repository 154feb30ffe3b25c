using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;
using TaskScheduler.ServiceDefaults;

namespace TaskScheduler.WorkerAgent;

/// <summary>
/// The agent: registers, heart-beats, and while slots are free receives as many dispatch messages as it has free
/// slots (highest band first, one receive per band), claims them and runs them. Idle polling backs off with jitter
/// and resets on work.
/// <para>
/// The lease (<see cref="AgentLease"/>) runs from when the last answered heartbeat was sent. It is watched on its
/// own timer, apart from the heartbeat (which may hang on a black-holed connection), and every command's supervisor
/// holds a copy, so a command stops when the lease ends even if this process is frozen, hung or dead. Every loop
/// logs and backs off on any error rather than die: an agent that stopped looping would orphan its commands.
/// On SIGTERM it stops taking work, lets running commands finish up to the drain timeout, then stops them and
/// reports; heartbeats go on until the last command's process group is gone.
/// </para>
/// </summary>
public sealed partial class AgentService(
    SchedulerApiClient api,
    DispatchQueues queues,
    IOptions<AgentOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<AgentService> logger) : BackgroundService
{
    private static readonly TimeSpan LeaseCheckInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<RunningAttempt, (AttemptRun Run, Task Task)> _running = new();
    private readonly SemaphoreSlim _slots = new(options.Value.Slots, options.Value.Slots);
    private readonly SemaphoreSlim _beatNow = new(0, 1);
    private readonly ResourceSampler _resources = new(options.Value.WorkDirectory);
    private string _workerId = options.Value.WorkerId ?? $"{Environment.MachineName}-{Guid.NewGuid():N}"[..Math.Min(64, Environment.MachineName.Length + 9)];
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(options.Value.HeartbeatIntervalSeconds);
    private readonly AgentLease _lease = new(TimeSpan.Zero, Stopwatch.GetTimestamp());

    public string WorkerId => _workerId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RegisterAsync(stoppingToken);
        using var background = new CancellationTokenSource();
        var heartbeats = HeartbeatLoopAsync(background.Token);
        var leaseWatch = LeaseWatchLoopAsync(background.Token);
        await DispatchLoopAsync(stoppingToken);
        await DrainAsync();
        await background.CancelAsync();
        await Task.WhenAll(heartbeats, leaseWatch);
    }

    /// <summary>Until the scheduler answers; the lease starts from when the answered request was sent.</summary>
    private async Task RegisterAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                var sentAt = Stopwatch.GetTimestamp();
                var (id, heartbeat, leaseSeconds) = await api.RegisterAsync(_workerId, stoppingToken);
                (_workerId, _heartbeatInterval) = (id, TimeSpan.FromSeconds(heartbeat));
                RenewLease(sentAt, TimeSpan.FromSeconds(leaseSeconds));
                LogRegistered(logger, _workerId, options.Value.Slots, heartbeat, leaseSeconds);
                return;
            }
            catch (SchedulerUnreachableException)
            {
                // Logged once per outage by the client.
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The loop's one boundary: an unexpected answer is logged and tried again, like an outage.
                LogLoopFailed(logger, ex, "registration", delay.TotalSeconds);
            }

            await Task.Delay(Jitter(delay), stoppingToken);
            delay = TimeSpan.FromSeconds(Math.Min(MaxBackOff.TotalSeconds, delay.TotalSeconds * 2));
        }
    }

    private async Task DispatchLoopAsync(CancellationToken stoppingToken)
    {
        var idle = TimeSpan.FromMilliseconds(options.Value.MinPollMilliseconds);
        var backOff = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = 0;
            try
            {
                free = await TakeFreeSlotsAsync(stoppingToken);
                if (_lease.HasEnded)
                {
                    // Out of contact: taking work we could not report would only be run twice.
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                var received = await ReceiveAsync(free, stoppingToken);
                if (received.Count == 0)
                {
                    await Task.Delay(Jitter(idle), stoppingToken);
                    idle = TimeSpan.FromMilliseconds(Math.Min(options.Value.MaxPollMilliseconds, idle.TotalMilliseconds * 2));
                    continue;
                }

                idle = TimeSpan.FromMilliseconds(options.Value.MinPollMilliseconds);

                // Each message holds one of the slots taken; a started command keeps it until it ends (and releases
                // it then), so only the slots of messages that started nothing go back below, whatever throws.
                var started = 0;
                try
                {
                    await Task.WhenAll(received.Select(async r =>
                    {
                        if (await ClaimAndStartAsync(r))
                        {
                            Interlocked.Increment(ref started);
                        }
                    }));
                }
                finally
                {
                    free -= started;
                }

                backOff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The loop's one boundary: log, back off, go on. A message left unacknowledged reappears.
                LogLoopFailed(logger, ex, "dispatch", backOff.TotalSeconds);
                await Task.Delay(Jitter(backOff), CancellationToken.None);
                backOff = TimeSpan.FromSeconds(Math.Min(MaxBackOff.TotalSeconds, backOff.TotalSeconds * 2));
            }
            finally
            {
                if (free > 0)
                {
                    _slots.Release(free);
                }
            }
        }
    }

    /// <summary>
    /// Waits for one free slot, then takes every other one free now: one receive then fills them all, instead of a
    /// receive (and a look at every band above the one with work) per slot.
    /// </summary>
    private async Task<int> TakeFreeSlotsAsync(CancellationToken stoppingToken)
    {
        await _slots.WaitAsync(stoppingToken);
        var free = 1;
        while (free < DispatchQueues.MaxBatch && _slots.Wait(0, CancellationToken.None))
        {
            free++;
        }

        return free;
    }

    private async Task<IReadOnlyList<ReceivedDispatch>> ReceiveAsync(int count, CancellationToken stoppingToken)
    {
        try
        {
            return await queues.ReceiveAsync(count, stoppingToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            LogQueueError(logger, ex.Status, ex.ErrorCode);
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            return [];
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

        // The scheduler answers a repeated claim of the same attempt by the same worker as a success (a retried
        // request), so a duplicate message would start a second copy: the agent is the one that knows.
        if (_running.ContainsKey(new RunningAttempt(dispatch.TaskId, dispatch.Attempt)))
        {
            LogDuplicate(logger, dispatch.TaskId, dispatch.Attempt);
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
        }
        catch (SchedulerUnreachableException)
        {
            // Leave the message: it reappears after its claim window for this or another agent.
            return false;
        }

        if (answer != ApiAnswer.Accepted || claimed is null)
        {
            LogNotClaimed(logger, dispatch.TaskId, dispatch.Attempt, answer);
            await queues.DeleteAsync(received, CancellationToken.None);
            return false;
        }

        var run = new AttemptRun(claimed, _workerId, api, _lease, options, loggerFactory.CreateLogger<AttemptRun>(), span?.Id ?? dispatch.TraceParent);
        var entry = new TaskCompletionSource<Task>(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[run.Id] = (run, entry.Task.Unwrap());
        entry.SetResult(Task.Run(() => RunToEndAsync(run), CancellationToken.None));

        // Acknowledged after the start, so a storage error here cannot lose an accepted claim: the message
        // reappears later and is then a duplicate (deleted above) or a stale attempt (refused by the scheduler).
        try
        {
            await queues.DeleteAsync(received, CancellationToken.None);
        }
        catch (Azure.RequestFailedException ex)
        {
            LogQueueError(logger, ex.Status, ex.ErrorCode);
        }

        return true;
    }

    private async Task RunToEndAsync(AttemptRun run)
    {
        try
        {
            await run.RunAsync();
        }
        catch (Exception ex)
        {
            // The attempt's one boundary: the scheduler ends an attempt the agent could not finish.
            LogRunFailed(logger, ex, run.Id.TaskId, run.Id.Attempt);
        }
        finally
        {
            // Reported as running until here, when no process of it is left.
            _running.TryRemove(run.Id, out _);
            _slots.Release();
            if (run.StopReason != StopReason.None)
            {
                // The scheduler may be waiting for this attempt to be gone before it starts the next one.
                BeatSoon();
            }
        }
    }

    /// <summary>Heart-beats every interval (sooner when asked); a reply renews the lease from when it was sent.</summary>
    private async Task HeartbeatLoopAsync(CancellationToken stop)
    {
        var backOff = TimeSpan.FromSeconds(1);
        var register = false;
        while (!stop.IsCancellationRequested)
        {
            var wait = _heartbeatInterval;
            try
            {
                if (register)
                {
                    await RegisterAsync(stop);
                    register = false;
                }

                await BeatAsync(stop);
                backOff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (WorkerNotRegisteredException)
            {
                // Its row was removed (by hand, or storage was reset): the running attempts are reported right after.
                LogReregistering(logger, _workerId);
                register = true;
                wait = TimeSpan.Zero;
            }
            catch (Exception ex)
            {
                // The loop's one boundary: log, back off, go on (the lease watch decides what an outage means).
                LogLoopFailed(logger, ex, "heartbeat", backOff.TotalSeconds);
                wait = Jitter(backOff);
                backOff = TimeSpan.FromSeconds(Math.Min(MaxBackOff.TotalSeconds, backOff.TotalSeconds * 2));
            }

            try
            {
                await _beatNow.WaitAsync(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task BeatAsync(CancellationToken stop)
    {
        // A reply slower than twice the interval is not waited for: the next beat may get through.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(stop);
        call.CancelAfter(TimeSpan.FromSeconds(Math.Max(2, 2 * _heartbeatInterval.TotalSeconds)));
        var sentAt = Stopwatch.GetTimestamp();
        HeartbeatReply reply;
        try
        {
            reply = await api.HeartbeatAsync(_workerId, _running.Keys.ToList(), _resources.Sample(), call.Token);
        }
        catch (SchedulerUnreachableException)
        {
            // Logged once per outage by the client; the lease watch decides what to do.
            return;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            LogHeartbeatSlow(logger, (Stopwatch.GetElapsedTime(sentAt)).TotalSeconds);
            return;
        }

        _heartbeatInterval = TimeSpan.FromSeconds(reply.HeartbeatIntervalSeconds);
        RenewLease(sentAt, TimeSpan.FromSeconds(reply.LeaseSeconds));
        foreach (var attempt in reply.Kill)
        {
            if (_running.TryGetValue(attempt, out var entry))
            {
                entry.Run.RequestStop(StopReason.Scheduler);
            }
        }
    }

    /// <summary>
    /// Renews the lease and hands it to every supervisor. A lease that had already ended (the agent was frozen,
    /// or the reply came too late) stops the commands first: the scheduler may have given them to another agent.
    /// </summary>
    private void RenewLease(long sentAt, TimeSpan duration)
    {
        if (!_lease.Renew(sentAt, duration) && !_running.IsEmpty)
        {
            StopAllForLostLease();
        }

        var left = _lease.Left;
        foreach (var (run, _) in _running.Values)
        {
            if (run.StopReason != StopReason.LeaseExpired)
            {
                run.RenewLease(left);
            }
        }
    }

    /// <summary>Checks the lease on its own timer: nothing else the agent does can delay it.</summary>
    private async Task LeaseWatchLoopAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(LeaseCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (_lease.HasEnded && _running.Values.Any(r => r.Run.StopReason != StopReason.LeaseExpired))
                {
                    StopAllForLostLease();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void StopAllForLostLease()
    {
        LogLeaseExpired(logger, _lease.Duration.TotalSeconds, _running.Count);
        foreach (var (run, _) in _running.Values)
        {
            run.RequestStop(StopReason.LeaseExpired);
        }
    }

    private void BeatSoon()
    {
        try
        {
            _beatNow.Release();
        }
        catch (SemaphoreFullException)
        {
            // A beat is already due: one is enough.
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

    [LoggerMessage(EventId = 4205, Level = LogLevel.Warning, Message = "The lease ({Lease} s) ended without a heartbeat answered: killing {Count} commands")]
    private static partial void LogLeaseExpired(ILogger logger, double lease, int count);

    [LoggerMessage(EventId = 4206, Level = LogLevel.Information, Message = "Shutting down: waiting up to {Seconds} s for {Count} running commands")]
    private static partial void LogDraining(ILogger logger, int count, int seconds);

    [LoggerMessage(EventId = 4207, Level = LogLevel.Warning, Message = "Queue storage error {Status} {Code}; retrying")]
    private static partial void LogQueueError(ILogger logger, int status, string? code);

    [LoggerMessage(EventId = 4208, Level = LogLevel.Warning, Message = "Task {TaskId} attempt {Attempt} already runs here: duplicate dispatch message deleted")]
    private static partial void LogDuplicate(ILogger logger, string taskId, int attempt);

    [LoggerMessage(EventId = 4209, Level = LogLevel.Error, Message = "The {Loop} loop failed; going on in {Seconds} s")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string loop, double seconds);

    [LoggerMessage(EventId = 4210, Level = LogLevel.Warning, Message = "The scheduler no longer knows worker {WorkerId} (heartbeat answered 404): registering again")]
    private static partial void LogReregistering(ILogger logger, string workerId);

    [LoggerMessage(EventId = 4211, Level = LogLevel.Warning, Message = "A heartbeat got no answer within {Seconds:0.0} s; sending the next")]
    private static partial void LogHeartbeatSlow(ILogger logger, double seconds);
}
