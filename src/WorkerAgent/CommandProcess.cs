using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Supervisor;

namespace TaskScheduler.WorkerAgent;

/// <summary>A line of a command's output, or of the agent's own commentary on it.</summary>
public sealed record OutputLine(DateTimeOffset Timestamp, string Level, string Text);

/// <summary>
/// One command, run by a <see cref="CommandSupervisor"/> (the native <c>supervisor/TaskScheduler.Supervisor</c>
/// beside the agent where a Release build published it, else this binary in <c>supervise</c> mode) that holds it to the
/// agent's lease: the supervisor's stdin is the lease pipe (orders from here; its end of file kills the group),
/// stdout and stderr are drained on their own tasks into a bounded channel, and the tails kept for the result. The
/// exit code is data, never an exception. The supervisor exits only when the command's whole process group is
/// gone; <see cref="WaitForExitAsync"/> makes sure of that even if the supervisor was killed first.
/// </summary>
public sealed class CommandProcess : IDisposable
{
    /// <summary>Longer lines are cut into pieces of this size.</summary>
    public const int MaxLineChars = 8 * 1024;

    private const int TailChars = 16 * 1024;

    private readonly Process _process;
    private readonly ChannelWriter<OutputLine> _sink;
    private readonly string _processGroupFile;
    private readonly StreamWriter _orders;
    private readonly StringBuilder _stdoutTail = new();
    private readonly StringBuilder _stderrTail = new();
    private readonly Task _drained;
    private long _dropped;

    private CommandProcess(Process process, ChannelWriter<OutputLine> sink, string processGroupFile)
    {
        _process = process;
        _sink = sink;
        _processGroupFile = processGroupFile;
        _orders = process.StandardInput;
        _orders.AutoFlush = true;
        _drained = Task.WhenAll(
            DrainAsync(process.StandardOutput, LogLevels.Info, _stdoutTail),
            DrainAsync(process.StandardError, LogLevels.Error, _stderrTail));
    }

    /// <summary>The supervisor's pid (the command's process group is written to the process-group file).</summary>
    public int SupervisorId => _process.Id;

    /// <summary>Lines lost because the shipping channel was full (the command is never slowed by logging).</summary>
    public long DroppedLines => Interlocked.Read(ref _dropped);

    /// <summary>The native supervisor a Release build publishes beside the agent.</summary>
    private static readonly string NativeSupervisorPath = Path.Combine(AppContext.BaseDirectory, "supervisor", "TaskScheduler.Supervisor");

    /// <summary>What starts each command's supervisor: the native one if present, else the agent's own binary.</summary>
    private static string SupervisorPath { get; } = File.Exists(NativeSupervisorPath)
        ? NativeSupervisorPath
        : Environment.ProcessPath ?? throw new InvalidOperationException("The agent does not know its own executable.");

    /// <param name="processGroupFile">Where the supervisor writes the command's process group (outside its working directory, which the command may empty).</param>
    /// <param name="lease">How long from now the command may run unless the lease is renewed.</param>
    public static CommandProcess Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, ChannelWriter<OutputLine> sink, string processGroupFile, TimeSpan lease)
    {
        var start = new ProcessStartInfo(SupervisorPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The agent's own binary: started as `dotnet TaskScheduler.WorkerAgent.dll`, or as the published executable.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(CommandProcess).Assembly.Location);
        }

        foreach (var argument in new[] { CommandSupervisor.Mode, processGroupFile, Milliseconds(lease), command })
        {
            start.ArgumentList.Add(argument);
        }

        // Only what a command needs; the agent's own settings (keys, connection strings) never reach it. The runtime's
        // settings (DOTNET_*) are for the supervisor, which removes them before starting the shell.
        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        foreach (var (key, value) in RuntimeVariables())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the command's supervisor did not start");
        return new CommandProcess(process, sink, processGroupFile);
    }

    /// <summary>The lease now ends <paramref name="left"/> from now (the supervisor ignores it if it already ended).</summary>
    public void RenewLease(TimeSpan left) => Order($"{CommandSupervisor.LeaseOrder} {Milliseconds(left)}");

    /// <summary>SIGINT, then SIGTERM, then SIGKILL to the whole group, each after <paramref name="grace"/> if it still runs.</summary>
    public void Stop(TimeSpan grace) => Order($"{CommandSupervisor.StopOrder} {Milliseconds(grace)}");

    /// <summary>
    /// SIGKILL to the whole group now: told to the supervisor, and sent from here too, so it does not wait for a
    /// supervisor that is itself frozen (a paused machine resumes all its processes in no particular order).
    /// </summary>
    public void Kill()
    {
        Order(CommandSupervisor.KillOrder);
        if (!_process.HasExited && ProcessGroup() is { } group)
        {
            NativeMethods.SignalGroup(group, NativeMethods.SigKill);
        }
    }

    /// <summary>
    /// Waits until no process of the command's group is alive, then a few seconds at most for the pipes (a process
    /// that left the group, e.g. with setsid, may hold them). If the supervisor died first, the group is killed here.
    /// </summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        if (ProcessGroup() is { } group)
        {
            var pause = TimeSpan.FromMilliseconds(10);
            while (NativeMethods.GroupIsAlive(group))
            {
                NativeMethods.SignalGroup(group, NativeMethods.SigKill);
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromMilliseconds(Math.Min(500, pause.TotalMilliseconds * 2));
            }
        }

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

    /// <summary>Closing the lease pipe: a supervisor still running kills the group at once.</summary>
    public void Dispose()
    {
        lock (_orders)
        {
            try
            {
                _orders.Dispose();
            }
            catch (IOException)
            {
                // The supervisor is gone already (EPIPE on the last flush): there is nobody left to tell.
            }
        }

        _process.Dispose();
        File.Delete(_processGroupFile);
    }

    private static string Milliseconds(TimeSpan span) => Math.Max(0, (long)span.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>What the supervisor needs to start like the agent did (e.g. <c>DOTNET_ROOT</c> for a runtime off the PATH).</summary>
    private static IEnumerable<(string Key, string Value)> RuntimeVariables() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("DOTNET_", StringComparison.Ordinal))
            .Select(name => (name, Environment.GetEnvironmentVariable(name) ?? string.Empty));

    private int? ProcessGroup()
    {
        try
        {
            return int.TryParse(File.ReadAllText(_processGroupFile), NumberStyles.None, CultureInfo.InvariantCulture, out var group) ? group : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // The supervisor died before it started the shell: there is no group.
            return null;
        }
    }

    private void Order(string line)
    {
        lock (_orders)
        {
            try
            {
                _orders.WriteLine(line);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The supervisor has exited (EPIPE) or this object is disposed: the group is gone or going, and
                // WaitForExitAsync is what confirms it.
            }
        }
    }

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
