using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using TaskScheduler.Core.Logs;

namespace TaskScheduler.WorkerAgent;

/// <summary>A line of a command's output, or of the agent's own commentary on it.</summary>
public sealed record OutputLine(DateTimeOffset Timestamp, string Level, string Text);

/// <summary>
/// One command: <c>/bin/sh -c</c> in a new session (so its process group is its own and every child can be
/// signalled at once), stdin closed, stdout and stderr drained on their own tasks into a bounded channel, and the
/// tails kept for the result. The exit code is data, never an exception.
/// </summary>
public sealed class CommandProcess : IDisposable
{
    /// <summary>Longer lines are cut into pieces of this size.</summary>
    public const int MaxLineChars = 8 * 1024;

    private const int TailChars = 16 * 1024;

    private readonly Process _process;
    private readonly ChannelWriter<OutputLine> _sink;
    private readonly StringBuilder _stdoutTail = new();
    private readonly StringBuilder _stderrTail = new();
    private readonly Task _drained;
    private long _dropped;

    private CommandProcess(Process process, ChannelWriter<OutputLine> sink)
    {
        _process = process;
        _sink = sink;
        _drained = Task.WhenAll(
            DrainAsync(process.StandardOutput, LogLevels.Info, _stdoutTail),
            DrainAsync(process.StandardError, LogLevels.Error, _stderrTail));
    }

    /// <summary>The process group: the shell is a session leader, so its pid is the group's id.</summary>
    public int ProcessGroup => _process.Id;

    /// <summary>Lines lost because the shipping channel was full (the command is never slowed by logging).</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    public static CommandProcess Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, ChannelWriter<OutputLine> sink)
    {
        var start = new ProcessStartInfo("setsid")
        {
            ArgumentList = { "/bin/sh", "-c", command },
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Only what a command needs; the agent's own settings (keys, connection strings) never reach it.
        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("setsid /bin/sh did not start");
        process.StandardInput.Close();
        return new CommandProcess(process, sink);
    }

    /// <summary>Waits for the exit, then a few seconds at most for the pipes (a background child may hold them).</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAny(_drained, Task.Delay(TimeSpan.FromSeconds(3), cancellationToken));
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public string StdoutTail()
    {
        lock (_stdoutTail)
        {
            return _stdoutTail.ToString();
        }
    }

    public string StderrTail()
    {
        lock (_stderrTail)
        {
            return _stderrTail.ToString();
        }
    }

    /// <summary>SIGINT, then SIGTERM, then SIGKILL to the whole group, each after <paramref name="grace"/> if it still runs.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        foreach (var signal in new[] { NativeMethods.SigInt, NativeMethods.SigTerm, NativeMethods.SigKill })
        {
            if (!NativeMethods.SignalGroup(ProcessGroup, signal) && _process.HasExited)
            {
                return;
            }

            using var wait = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
                // The shell is gone; make sure nothing it started lingers in the group.
                NativeMethods.SignalGroup(ProcessGroup, NativeMethods.SigKill);
                return;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public void Dispose() => _process.Dispose();

    private async Task DrainAsync(StreamReader reader, string level, StringBuilder tail)
    {
        var buffer = new char[4096];
        var line = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (tail)
            {
                tail.Append(buffer, 0, read);
                if (tail.Length > TailChars)
                {
                    tail.Remove(0, tail.Length - TailChars);
                }
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == '\n')
                {
                    Emit(line, level);
                }
                else if (buffer[i] != '\r')
                {
                    line.Append(buffer[i]);
                    if (line.Length >= MaxLineChars)
                    {
                        Emit(line, level);
                    }
                }
            }
        }

        if (line.Length > 0)
        {
            Emit(line, level);
        }
    }

    private void Emit(StringBuilder line, string level)
    {
        if (!_sink.TryWrite(new OutputLine(DateTimeOffset.UtcNow, level, line.ToString())))
        {
            Interlocked.Increment(ref _dropped);
        }

        line.Clear();
    }
}
