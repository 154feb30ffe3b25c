using Microsoft.Extensions.Configuration;

namespace TaskScheduler.Bench;

/// <summary>
/// The settings of one step, from the command line (<c>--Samples 100</c>) over <c>BENCH_*</c> environment variables
/// (<c>BENCH_SAMPLES=100</c>), so scripts/bench.sh can run a smaller pass without editing code. Every loop of every
/// step is bounded by a count and by <see cref="MaxSeconds"/>.
/// </summary>
public sealed class BenchOptions
{
    /// <summary>Azurite itself (the scheduler's data): what the bench reads to observe, never through the counting proxy.</summary>
    public string Storage { get; set; } = string.Empty;

    /// <summary>The emulator of SelfHost's task hub when it has one of its own (as Azure's two accounts); empty: <see cref="Storage"/>.</summary>
    public string HubStorage { get; set; } = string.Empty;

    public string HubConnection => string.IsNullOrEmpty(HubStorage) ? Storage : HubStorage;

    /// <summary>Azurite's processes, <c>name=pid</c> separated by commas, to tell their CPU from the rest of the machine's.</summary>
    public string Pids { get; set; } = string.Empty;

    /// <summary>SelfHost's <c>Scheduler__StoragePrefix</c>; its task hub is this plus <c>hub</c>.</summary>
    public string Prefix { get; set; } = "bench";

    public string HubName => Prefix + "hub";

    /// <summary>Extra SelfHost settings, <c>Name=value</c> separated by <c>;</c> (e.g. a sweep's schedule).</summary>
    public string SelfHostSettings { get; set; } = string.Empty;

    /// <summary>The folder every step writes its raw results to.</summary>
    public string Results { get; set; } = "bench/results/latest";

    /// <summary>What the results file of this step is called (e.g. <c>latency-250-1000</c>).</summary>
    public string Label { get; set; } = string.Empty;

    /// <summary>Free text for the report's header (the script passes the machine, SDK and Azurite versions).</summary>
    public string Environment { get; set; } = string.Empty;

    /// <summary>SelfHost's <c>DurableTask__MaxQueuePollingIntervalMs</c>.</summary>
    public int EnginePollingMs { get; set; } = 250;

    // Listing and creating (issue 2).
    public int Tasks { get; set; } = 300;

    public int RareTasks { get; set; } = 50;

    public int SeedConcurrency { get; set; } = 48;

    public int ProbeRepeats { get; set; } = 5;

    public int SmallTasks { get; set; } = 40;

    public int ListWarmup { get; set; } = 20;

    public int ListWarmupMaxSeconds { get; set; } = 30;

    public int ListRequests { get; set; } = 300;

    public int ListMaxSeconds { get; set; } = 300;

    /// <summary>Seconds without requests after a scenario's warm-up, to see what the processes use idle.</summary>
    public int ListIdleSeconds { get; set; } = 10;

    /// <summary>The one HTTP scenario to run (see <see cref="ListScenarios.HttpNames"/>); empty: all, each on a fresh SelfHost.</summary>
    public string Scenario { get; set; } = string.Empty;

    public int CreateWarmup { get; set; } = 50;

    public int CreateRate { get; set; } = 200;

    public int CreateSeconds { get; set; } = 30;

    // Dispatch, throughput, transactions (issues 3, 4, 12, 16).
    public int Samples { get; set; } = 100;

    public int MinIdleMs { get; set; } = 1000;

    public int MaxIdleMs { get; set; } = 3000;

    /// <summary>Bench fake agents in the throughput step.</summary>
    public int Agents { get; set; } = 8;

    /// <summary>Concurrent <c>POST /tasks</c> (or orchestration starts, or Azurite callers).</summary>
    public int Submitters { get; set; } = 8;

    /// <summary>Offered load of the real-agent throughput step, tasks/s, open loop; 0 posts them all at once.</summary>
    public double Rate { get; set; }

    /// <summary>Real agents (src/WorkerAgent processes) the step starts, and their slots.</summary>
    public int RealAgents { get; set; }

    public int Slots { get; set; } = 4;

    /// <summary>The fake agent's idle back-off, as the real agent's.</summary>
    public int MinPollMs { get; set; } = 50;

    public int MaxPollMs { get; set; } = 1000;

    /// <summary>Whether SelfHost (and the agents' queues) reach Azurite through the bench's counting proxy.</summary>
    public bool Proxy { get; set; }

    public int TransactionTasks { get; set; } = 50;

    public int ProbeTasks { get; set; } = 10;

    public int RunningSeconds { get; set; } = 180;

    public int HostIdleSeconds { get; set; } = 60;

    public int IdleSeconds { get; set; } = 120;

    public int SettleSeconds { get; set; } = 15;

    /// <summary>What an idle window measures, for the report, and the label of the idle result it is compared with.</summary>
    public string What { get; set; } = "idle";

    public string Baseline { get; set; } = string.Empty;

    /// <summary>Schedule firings counted by the firing step, and the schedule's interval.</summary>
    public int Firings { get; set; } = 20;

    public int FiringIntervalSeconds { get; set; } = 3;

    public int MaxSeconds { get; set; } = 900;

    public static BenchOptions Load(IEnumerable<string> args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("BENCH_")
            .AddCommandLine(args.ToArray())
            .Build();
        var options = new BenchOptions();
        configuration.Bind(options);
        return options;
    }

    public string ResultPath(string fileName) => Path.Combine(Results, fileName);
}
