using System.Globalization;

namespace TaskScheduler.DispatchBench;

/// <summary>CPU used during a measurement, in cores: by the benchmark's own processes, and by everything else.</summary>
public sealed record CpuUse(double OwnCores, double OtherCores, int Cores);

/// <summary>
/// Measures how busy the machine was while a step measured, from <c>/proc/stat</c> and <c>/proc/{pid}/stat</c>: on
/// a shared box other builds, tests and benchmarks run too, and the figures are only as good as the machine was
/// free, so each summary says how many cores the benchmark's processes (this one and the ones the script started)
/// and everything else used.
/// </summary>
public sealed class MachineLoad
{
    private readonly IReadOnlyList<int> _pids;
    private readonly (long Total, long Idle) _machineStart;
    private readonly long _ownStart;

    private MachineLoad(IReadOnlyList<int> pids)
    {
        _pids = pids;
        _machineStart = Machine();
        _ownStart = Own(pids);
    }

    /// <param name="pids">The processes the script started for this step (comma separated); this process is added.</param>
    public static MachineLoad Start(string pids) => new(
        pids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .Where(p => p > 0)
            .Append(Environment.ProcessId)
            .Distinct()
            .ToList());

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
        var own = Own(_pids) - _ownStart;
        return new CpuUse(Math.Round((double)own / elapsed * cores, 2), Math.Round((double)Math.Max(0, busy - own) / elapsed * cores, 2), cores);
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

    /// <summary>utime + stime + cutime + cstime of the processes still alive (a command's CPU counts once it is reaped).</summary>
    private static long Own(IEnumerable<int> pids) => pids.Sum(pid =>
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
    });
}
