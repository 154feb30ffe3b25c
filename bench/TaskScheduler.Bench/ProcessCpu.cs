using System.Diagnostics;
using System.Globalization;

namespace TaskScheduler.Bench;

/// <summary>
/// CPU time of a process (Azurite, SelfHost, this one) or of the whole machine, from <c>/proc</c>, to show which
/// process a phase saturated and how much else ran beside it. Linux only; elsewhere, or without a pid, NaN.
/// </summary>
public sealed class ProcessCpu
{
    /// <summary>USER_HZ, the unit of <c>/proc</c> CPU times: 100 on every Linux the bench runs on.</summary>
    private const double TicksPerSecond = 100;

    private readonly Func<double> _read;

    private ProcessCpu(Func<double> read) => _read = read;

    /// <summary>The CPU seconds another process has used (<c>/proc/{pid}/stat</c>: utime + stime).</summary>
    public static ProcessCpu Of(int pid) => new(() => ReadProcess(pid));

    public static ProcessCpu Self { get; } = new(() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);

    /// <summary>The CPU seconds every core together has been busy (<c>/proc/stat</c>: all but idle and iowait).</summary>
    public static ProcessCpu Machine { get; } = new(ReadMachine);

    /// <summary>Starts a measurement: <see cref="Stop"/> gives the percent of one core used since.</summary>
    public (double CpuSeconds, long At) Start() => (_read(), Stopwatch.GetTimestamp());

    /// <summary>Percent of one core used since <paramref name="start"/> (100 = one core fully busy).</summary>
    public double Stop((double CpuSeconds, long At) start)
    {
        var wall = Stopwatch.GetElapsedTime(start.At).TotalSeconds;
        return wall <= 0 ? double.NaN : (_read() - start.CpuSeconds) / wall * 100;
    }

    private static double ReadProcess(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (pid <= 0 || !File.Exists(path))
        {
            return double.NaN;
        }

        // The command name (field 2) may contain spaces: count the fields after its closing parenthesis.
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static double ReadMachine()
    {
        const string Path = "/proc/stat";
        if (!File.Exists(Path))
        {
            return double.NaN;
        }

        // "cpu  user nice system idle iowait irq softirq steal ..."
        var fields = File.ReadLines(Path).First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / TicksPerSecond;
    }
}

/// <summary>Where the CPU went during a phase, in percent of one core (the machine has <c>nproc</c> x 100).</summary>
public sealed record CpuShare(double Azurite, double SelfHost, double Bench, double Machine)
{
    /// <summary>Everything else on the machine: other builds, tests, the OS (sampling noise can make it slightly negative).</summary>
    public double Other => Math.Max(0, Machine - Azurite - (double.IsNaN(SelfHost) ? 0 : SelfHost) - Bench);
}

/// <summary>Measures a <see cref="CpuShare"/> over a phase.</summary>
public sealed class CpuMeter(int azuritePid, int selfHostPid)
{
    private readonly ProcessCpu _azurite = ProcessCpu.Of(azuritePid);
    private readonly ProcessCpu _selfHost = ProcessCpu.Of(selfHostPid);

    public Func<CpuShare> Start()
    {
        var (azurite, selfHost, bench, machine) = (_azurite.Start(), _selfHost.Start(), ProcessCpu.Self.Start(), ProcessCpu.Machine.Start());
        return () => new CpuShare(_azurite.Stop(azurite), _selfHost.Stop(selfHost), ProcessCpu.Self.Stop(bench), ProcessCpu.Machine.Stop(machine));
    }
}
