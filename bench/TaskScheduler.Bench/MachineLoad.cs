using System.Globalization;

namespace TaskScheduler.Bench;

/// <summary>
/// CPU used during a measurement, in cores: by the benchmark's own processes (and each of them by name), and by
/// everything else on the machine.
/// </summary>
public sealed record CpuUse(double OwnCores, double OtherCores, int Cores, Dictionary<string, double> ByProcess);

/// <summary>
/// Measures how busy the machine was while a step measured, from <c>/proc/stat</c> and <c>/proc/{pid}/stat</c>: on
/// a shared box other builds, tests and benchmarks run too, and the figures are only as good as the machine was
/// free, so each summary says how many cores the benchmark's processes (this one and the ones the script started)
/// and everything else used.
/// </summary>
public sealed class MachineLoad
{
    private readonly IReadOnlyDictionary<string, int> _pids;
    private readonly (long Total, long Idle) _machineStart;
    private readonly Dictionary<string, long> _ownStart;

    private MachineLoad(IReadOnlyDictionary<string, int> pids)
    {
        _pids = pids;
        _machineStart = Machine();
        _ownStart = pids.ToDictionary(p => p.Key, p => Jiffies(p.Value), StringComparer.Ordinal);
    }

    /// <param name="pids">
    /// The processes the script started for this step, <c>name=pid</c> separated by commas (e.g.
    /// <c>azurite=123,selfhost=456</c>); this process is added as <c>bench</c>.
    /// </param>
    public static MachineLoad Start(string pids)
    {
        var named = new Dictionary<string, int>(StringComparer.Ordinal) { ["bench"] = Environment.ProcessId };
        foreach (var pair in pids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, pid) = pair.Split('=') is [var n, var p] ? (n, int.Parse(p, CultureInfo.InvariantCulture)) : (pair, int.Parse(pair, CultureInfo.InvariantCulture));
            if (pid > 0)
            {
                named[name] = pid;
            }
        }

        return new MachineLoad(named);
    }

    /// <summary>Cores used since the start (null where /proc does not exist).</summary>
    public CpuUse? Stop()
    {
        var (total, idle) = Machine();
        var elapsed = total - _machineStart.Total;
        if (elapsed <= 0)
        {
            return null;
        }

        var cores = Environment.ProcessorCount;
        var busy = elapsed - (idle - _machineStart.Idle);
        var byProcess = _pids.ToDictionary(
            p => p.Key,
            p => Math.Round((double)Math.Max(0, Jiffies(p.Value) - _ownStart[p.Key]) / elapsed * cores, 2),
            StringComparer.Ordinal);
        var own = byProcess.Values.Sum();
        return new CpuUse(Math.Round(own, 2), Math.Round(Math.Max(0, ((double)busy / elapsed * cores) - own), 2), cores, byProcess);
    }

    /// <summary>All CPUs' jiffies: total and idle (idle + iowait).</summary>
    private static (long Total, long Idle) Machine()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (0, 0);
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum(), fields[3] + fields[4]);
    }

    /// <summary>utime + stime + cutime + cstime of a process (a command's CPU counts once its agent reaped it); 0 when gone.</summary>
    private static long Jiffies(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path))
        {
            return 0L;
        }

        try
        {
            var text = File.ReadAllText(path);
            // The command name may hold spaces: the fields after it start behind the last ')'.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return 0L;
        }
    }
}
