using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace TaskScheduler.Supervisor;

/// <summary>
/// The agent's own binary in <c>supervise</c> mode: one small process per command that makes sure the command's
/// process group never outlives the agent's lease, whatever happens to the agent.
/// <para>
/// It starts <c>/bin/sh -c</c> in a new session (its own process group), with the agent's pipes as its stdout and
/// stderr, and reads orders from its stdin, which is a pipe whose only writer is the agent:
/// <c>lease &lt;ms&gt;</c> (the lease now ends that long from now), <c>stop &lt;ms&gt;</c> (SIGINT, SIGTERM, then
/// SIGKILL to the group, that long apart) and <c>kill</c>. End of file means the agent is gone (the kernel closes
/// the pipe however the agent died, SIGKILL and OOM included): the group is killed at once. A lease that runs out
/// (the agent frozen, hung or cut off) kills the group too, checked before any order is read, so a renewal that
/// arrives late never revives it. When the shell exits, the rest of its group (background children) is killed.
/// The supervisor exits, with the shell's exit code, only once no process of the group is alive.
/// </para>
/// <para>
/// The shell also gets <c>PR_SET_PDEATHSIG=SIGKILL</c> (<c>setpriv --pdeathsig</c>) in case the supervisor itself
/// is killed; it is safe here because the supervisor starts the shell from its main thread, which lives as long
/// as the process (the signal follows the thread that forked, so it could not be set from the agent's thread pool).
/// </para>
/// </summary>
public static class CommandSupervisor
{
    public const string Mode = "supervise";
    public const string LeaseOrder = "lease";
    public const string StopOrder = "stop";
    public const string KillOrder = "kill";

    /// <summary>Interpreter settings are the supervisor's own; the command never sees them.</summary>
    private const string RuntimeVariablePrefix = "DOTNET_";

    /// <returns>The shell's exit code (128 + signal when a signal ended it).</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        if (args.Count != 3 || !long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var leaseMilliseconds))
        {
            await Console.Error.WriteLineAsync("usage: supervise <process-group-file> <lease-milliseconds> <command>");
            return 2;
        }

        // The agent decides when a command stops: a Ctrl-C or SIGTERM meant for the agent (same process group,
        // or systemd's control group) must not take the supervisor away from under a command being drained.
        var ignored = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP }
            .Select(signal => PosixSignalRegistration.Create(signal, context => context.Cancel = true))
            .ToList();

        // Before the first await: this runs on the main thread (see the class comment about PDEATHSIG).
        using var shell = StartShell(args[2]);
        var group = shell.Id;
        WriteProcessGroupFile(args[0], group);

        var deadline = Stopwatch.GetTimestamp() + (leaseMilliseconds * Stopwatch.Frequency / 1000);
        var orders = ReadOrders();
        var exited = shell.WaitForExitAsync();
        Task? stopping = null;
        var nextOrder = orders.WaitToReadAsync().AsTask();
        while (!exited.IsCompleted)
        {
            // The lease first: after a freeze (SIGSTOP, a paused VM), an expired lease wins over any queued renewal.
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                NativeMethods.SignalGroup(group, NativeMethods.SigKill);
                break;
            }

            if (nextOrder.IsCompleted)
            {
                if (!await nextOrder)
                {
                    NativeMethods.SignalGroup(group, NativeMethods.SigKill);
                    break;
                }

                while (orders.TryRead(out var order))
                {
                    var (verb, milliseconds) = Parse(order);
                    switch (verb)
                    {
                        case LeaseOrder:
                            deadline = Stopwatch.GetTimestamp() + (milliseconds * Stopwatch.Frequency / 1000);
                            break;
                        case StopOrder:
                            stopping ??= StopAsync(group, exited, TimeSpan.FromMilliseconds(milliseconds));
                            break;
                        case KillOrder:
                            NativeMethods.SignalGroup(group, NativeMethods.SigKill);
                            break;
                    }
                }

                nextOrder = orders.WaitToReadAsync().AsTask();
                continue;
            }

            // Wake at least once a second to look at the clock again.
            var wait = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency) + 1);
            await Task.WhenAny(exited, nextOrder, Task.Delay(wait));
        }

        await exited;
        await KillUntilGoneAsync(group);
        ignored.ForEach(registration => registration.Dispose());
        return shell.ExitCode;
    }

    private static Process StartShell(string command)
    {
        var setpriv = FindOnPath("setpriv");
        var start = new ProcessStartInfo(setpriv ?? "setsid")
        {
            // stdin: a pipe closed at once (the command gets EOF, never the agent's orders); stdout and stderr: ours.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (setpriv is not null)
        {
            start.ArgumentList.Add("--pdeathsig");
            start.ArgumentList.Add("KILL");
            start.ArgumentList.Add("setsid");
        }

        foreach (var argument in new[] { "/bin/sh", "-c", command })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith(RuntimeVariablePrefix, StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        var shell = Process.Start(start) ?? throw new InvalidOperationException("setsid /bin/sh did not start");
        shell.StandardInput.Close();
        return shell;
    }

    /// <summary>Where the agent finds the group if this supervisor dies before it (written atomically).</summary>
    private static void WriteProcessGroupFile(string path, int group)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, group.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Orders from the agent, read on a thread of their own (a blocking pipe read), completed at EOF.</summary>
    private static ChannelReader<string> ReadOrders()
    {
        var channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var reader = new Thread(() =>
        {
            using var stdin = new StreamReader(Console.OpenStandardInput());
            while (stdin.ReadLine() is { } line)
            {
                channel.Writer.TryWrite(line);
            }

            channel.Writer.Complete();
        })
        { IsBackground = true, Name = "agent orders" };
        reader.Start();
        return channel.Reader;
    }

    private static (string Verb, long Milliseconds) Parse(string order)
    {
        var parts = order.Split(' ', 2, StringSplitOptions.TrimEntries);
        var milliseconds = parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
        return (parts[0], milliseconds);
    }

    /// <summary>SIGINT, then SIGTERM, then SIGKILL to the group, each after <paramref name="grace"/> if the shell still runs.</summary>
    private static async Task StopAsync(int group, Task exited, TimeSpan grace)
    {
        foreach (var signal in new[] { NativeMethods.SigInt, NativeMethods.SigTerm })
        {
            NativeMethods.SignalGroup(group, signal);
            if (await Task.WhenAny(exited, Task.Delay(grace)) == exited)
            {
                return;
            }
        }

        NativeMethods.SignalGroup(group, NativeMethods.SigKill);
    }

    /// <summary>SIGKILL to the group until none of it is alive (a process in uninterruptible sleep may take a while).</summary>
    private static async Task KillUntilGoneAsync(int group)
    {
        var pause = TimeSpan.FromMilliseconds(10);
        while (NativeMethods.GroupIsAlive(group))
        {
            NativeMethods.SignalGroup(group, NativeMethods.SigKill);
            await Task.Delay(pause);
            pause = TimeSpan.FromMilliseconds(Math.Min(500, pause.TotalMilliseconds * 2));
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
