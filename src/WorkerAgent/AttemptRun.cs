using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using TaskScheduler.AgentProtocol;
using TaskScheduler.ServiceDefaults;

namespace TaskScheduler.WorkerAgent;

/// <summary>Why the agent stops a command before it ends by itself.</summary>
public enum StopReason
{
    None,

    /// <summary>The heartbeat reply named the attempt (cancelled, timed out, declared lost): no report is owed.</summary>
    Scheduler,

    /// <summary>The attempt ran past its <c>timeout_seconds</c> on the agent's own clock.</summary>
    TimedOut,

    /// <summary>The API was unreachable for longer than the lease: another agent may get the task.</summary>
    LeaseExpired,

    /// <summary>The agent is shutting down and the drain timeout passed.</summary>
    Shutdown,
}

/// <summary>
/// One attempt on this agent: runs the command under its supervisor (held to the agent's lease), ships its output
/// in batches, sends checkpoints written to the checkpoint file, stops it on its own timeout or when told, and
/// reports the outcome once no process of the command is left.
/// </summary>
public sealed partial class AttemptRun(
    ClaimedAttempt attempt,
    string workerId,
    SchedulerApiClient api,
    AgentLease lease,
    IOptions<AgentOptions> options,
    ILogger logger,
    string? traceParent)
{
    private const int ChannelCapacity = 20_000;
    private const int BatchLines = 500;
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(500);
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "SHELL", "TMPDIR"];

    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopReason;
    private volatile CommandProcess? _process;

    public RunningAttempt Id { get; } = new(attempt.TaskId, attempt.Attempt);

    /// <summary>Why the command was stopped, if it was; the first reason wins.</summary>
    public StopReason StopReason => (StopReason)Volatile.Read(ref _stopReason);

    /// <summary>Safe from any thread. A lost lease kills at once (there is no time left for a grace period: the
    /// scheduler may give the task to another agent); any other reason stops gracefully from the run's loop.</summary>
    public void RequestStop(StopReason reason)
    {
        Interlocked.CompareExchange(ref _stopReason, (int)reason, (int)StopReason.None);
        _stop.TrySetResult();
        if (reason == StopReason.LeaseExpired)
        {
            _process?.Kill();
        }
    }

    /// <summary>Passes a renewed lease on to the supervisor, which kills the command by itself when it runs out.</summary>
    public void RenewLease(TimeSpan left) => _process?.RenewLease(left);

    public async Task RunAsync()
    {
        using var span = SchedulerTelemetry.StartLinked("run attempt", traceParent);
        span?.SetTag("task.id", attempt.TaskId).SetTag("task.attempt", attempt.Attempt);
        var directory = Path.Combine(options.Value.WorkDirectory, workerId, $"{attempt.TaskId}-{attempt.Attempt}");
        Directory.CreateDirectory(directory);
        var checkpointFile = attempt.CheckpointEnabled ? Path.Combine(directory, "checkpoint.json") : null;
        var lastCheckpoint = attempt.CheckpointData?.ToJsonString() ?? string.Empty;
        if (checkpointFile is not null)
        {
            await File.WriteAllTextAsync(checkpointFile, lastCheckpoint);
        }

        var output = Channel.CreateBounded<OutputLine>(new BoundedChannelOptions(ChannelCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        var shipping = ShipAsync(output.Reader);
        var checkpoints = new CheckpointWatcher(checkpointFile, lastCheckpoint);
        var processGroupFile = Path.Combine(options.Value.WorkDirectory, workerId, $"{attempt.TaskId}-{attempt.Attempt}.pgid");
        using var process = CommandProcess.Start(attempt.Command, directory, Environment(checkpointFile), output.Writer, processGroupFile, lease.Left);
        _process = process;
        LogStarted(logger, attempt.TaskId, attempt.Attempt, process.SupervisorId);
        if (lease.HasEnded)
        {
            RequestStop(StopReason.LeaseExpired);
        }

        var exited = process.WaitForExitAsync(CancellationToken.None);
        var timeout = Task.Delay(TimeSpan.FromSeconds(attempt.TimeoutSeconds));
        var stopSent = false;
        while (!exited.IsCompleted)
        {
            // The loop's one boundary: whatever goes wrong here, the command stays watched until its group is gone.
            try
            {
                // Once the stop is under way only the exit (or the next checkpoint read) is worth waking for.
                await (stopSent
                    ? Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(1)))
                    : Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(1)), _stop.Task, timeout));
                if (timeout.IsCompleted)
                {
                    RequestStop(StopReason.TimedOut);
                }

                if (_stop.Task.IsCompleted && !stopSent)
                {
                    stopSent = true;
                    var reason = StopReason;
                    output.Writer.TryWrite(new OutputLine(DateTimeOffset.UtcNow, LogLevels.Warn, reason == StopReason.LeaseExpired
                        ? "Killing the command's process group (SIGKILL): the agent's lease with the scheduler ran out."
                        : $"Stopping the command ({reason}): SIGINT, SIGTERM, then SIGKILL to its process group."));
                    if (reason == StopReason.LeaseExpired)
                    {
                        process.Kill();
                    }
                    else
                    {
                        process.Stop(TimeSpan.FromSeconds(options.Value.StopGraceSeconds));
                    }

                    LogStopped(logger, attempt.TaskId, attempt.Attempt, reason);
                }

                await SendCheckpointAsync(checkpoints);
            }
            catch (Exception ex)
            {
                LogWatchFailed(logger, ex, attempt.TaskId, attempt.Attempt);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        var exitCode = await exited;
        await SendCheckpointAsync(checkpoints);
        if (process.DroppedLines > 0)
        {
            output.Writer.TryWrite(new OutputLine(DateTimeOffset.UtcNow, LogLevels.Warn, $"{process.DroppedLines} output lines were dropped: the command wrote faster than they could be shipped."));
        }

        output.Writer.Complete();
        await shipping;
        await ReportAsync(exitCode, process);
        TryDelete(directory);
    }

    private Dictionary<string, string> Environment(string? checkpointFile)
    {
        var environment = InheritedVariables
            .Select(name => (name, value: System.Environment.GetEnvironmentVariable(name)))
            .Where(x => x.value is not null)
            .ToDictionary(x => x.name, x => x.value!);
        environment["TASK_ID"] = attempt.TaskId;
        environment["TASK_ATTEMPT"] = attempt.Attempt.ToString(CultureInfo.InvariantCulture);
        if (checkpointFile is not null)
        {
            environment["TASK_CHECKPOINT_FILE"] = checkpointFile;
        }

        return environment;
    }

    private async Task ReportAsync(int exitCode, CommandProcess process)
    {
        var stopReason = StopReason;
        if (stopReason == StopReason.Scheduler)
        {
            return;
        }

        var result = process.StdoutTail();
        var stderr = process.StderrTail();
        var error = stopReason switch
        {
            StopReason.TimedOut => AttemptErrors.TimedOut(attempt.TimeoutSeconds),
            StopReason.LeaseExpired => "The agent lost contact with the scheduler for longer than its lease and stopped the command.",
            StopReason.Shutdown => "The agent shut down before the command finished.",
            _ => $"Exited with code {exitCode}." + (stderr.Length == 0 ? string.Empty : " stderr: " + stderr[^Math.Min(stderr.Length, 2048)..]),
        };

        for (var attemptNumber = 1; attemptNumber <= 5; attemptNumber++)
        {
            try
            {
                var answer = exitCode == 0 && stopReason == StopReason.None
                    ? await api.CompleteAsync(attempt, workerId, result, exitCode, CancellationToken.None)
                    : await api.FailAsync(attempt, workerId, error, result, exitCode, CancellationToken.None);
                LogReported(logger, attempt.TaskId, attempt.Attempt, exitCode, answer);
                return;
            }
            catch (SchedulerUnreachableException) when (attemptNumber < 5 && stopReason != StopReason.LeaseExpired)
            {
                await Task.Delay(TimeSpan.FromSeconds(attemptNumber * 2));
            }
            catch (SchedulerUnreachableException ex)
            {
                // The scheduler will end the attempt itself (timeout or lost worker); the command is already over.
                LogReportLost(logger, ex, attempt.TaskId, attempt.Attempt);
                return;
            }
        }
    }

    private async Task ShipAsync(ChannelReader<OutputLine> reader)
    {
        var batch = new List<OutputLine>(BatchLines);
        while (await reader.WaitToReadAsync())
        {
            using var window = new CancellationTokenSource(BatchWindow);
            try
            {
                while (batch.Count < BatchLines && await reader.WaitToReadAsync(window.Token))
                {
                    while (batch.Count < BatchLines && reader.TryRead(out var line))
                    {
                        batch.Add(line);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            while (batch.Count < BatchLines && reader.TryRead(out var more))
            {
                batch.Add(more);
            }

            if (batch.Count > 0)
            {
                // The shipping loop's one boundary: a batch that cannot be sent is dropped, never the loop.
                try
                {
                    await SendBatchAsync(batch);
                }
                catch (Exception ex)
                {
                    LogShippingFailed(logger, ex, batch.Count, attempt.TaskId);
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }

                batch.Clear();
            }
        }
    }

    private async Task SendBatchAsync(List<OutputLine> batch)
    {
        try
        {
            await api.AppendLogsAsync(attempt, workerId, batch, CancellationToken.None);
        }
        catch (SchedulerUnreachableException ex)
        {
            // The resilience handler already retried; losing a batch beats stalling the command behind an outage.
            LogBatchLost(logger, ex, batch.Count, attempt.TaskId);
        }
    }

    private async Task SendCheckpointAsync(CheckpointWatcher watcher)
    {
        if (watcher.TryReadChanged() is not { } checkpoint)
        {
            return;
        }

        try
        {
            await api.CheckpointAsync(attempt, workerId, checkpoint, CancellationToken.None);
        }
        catch (SchedulerUnreachableException ex)
        {
            watcher.Forget();
            LogCheckpointLost(logger, ex, attempt.TaskId);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} started (supervisor {Supervisor})")]
    private static partial void LogStarted(ILogger logger, string taskId, int attempt, int supervisor);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Task {TaskId} attempt {Attempt} stopped: {Reason}")]
    private static partial void LogStopped(ILogger logger, string taskId, int attempt, StopReason reason);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Task {TaskId} attempt {Attempt} exited with {ExitCode}; the scheduler answered {Answer}")]
    private static partial void LogReported(ILogger logger, string taskId, int attempt, int exitCode, ApiAnswer answer);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Could not report task {TaskId} attempt {Attempt}; the scheduler will end it itself")]
    private static partial void LogReportLost(ILogger logger, Exception exception, string taskId, int attempt);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Dropped {Count} log lines of task {TaskId}: the scheduler is unreachable")]
    private static partial void LogBatchLost(ILogger logger, Exception exception, int count, string taskId);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Could not send a checkpoint of task {TaskId}; it is sent again when the file is next read")]
    private static partial void LogCheckpointLost(ILogger logger, Exception exception, string taskId);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Error, Message = "Watching task {TaskId} attempt {Attempt} failed; still watching")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string taskId, int attempt);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Error, Message = "Dropped {Count} log lines of task {TaskId}: shipping failed")]
    private static partial void LogShippingFailed(ILogger logger, Exception exception, int count, string taskId);

    /// <summary>Notices a new checkpoint in the file: a JSON object written by the command.</summary>
    private sealed class CheckpointWatcher(string? path, string initial)
    {
        private string? _lastSent = initial;

        public JsonElement? TryReadChanged()
        {
            if (path is null || !File.Exists(path))
            {
                return null;
            }

            string text;
            try
            {
                text = File.ReadAllText(path).Trim();
            }
            catch (IOException)
            {
                return null;
            }

            if (text.Length == 0 || text == _lastSent)
            {
                return null;
            }

            try
            {
                using var checkpoint = JsonDocument.Parse(text);
                if (checkpoint.RootElement.ValueKind == JsonValueKind.Object)
                {
                    _lastSent = text;
                    return checkpoint.RootElement.Clone();
                }
            }
            catch (JsonException)
            {
                // Half-written or not JSON: read again next time.
            }

            return null;
        }

        public void Forget() => _lastSent = null;
    }
}
