using Microsoft.Extensions.Configuration;

namespace TaskScheduler.DispatchBench;

/// <summary>
/// The settings of one step, from the command line (<c>--Samples 100</c>) over <c>BENCH_*</c> environment variables
/// (<c>BENCH_SAMPLES=100</c>), so scripts/bench-dispatch.sh can run a smaller pass without editing code.
/// Every loop of every step is bounded by a count and by <see cref="MaxSeconds"/>.
/// </summary>
public sealed class DispatchBenchOptions
{
    /// <summary>Azurite itself: what the bench reads to observe (never through the counting proxy).</summary>
    public string Storage { get; set; } = string.Empty;

    /// <summary>
    /// The emulator that holds SelfHost's task hub when it has one of its own (<c>BENCH_HUB_AZURITE=1</c>, as Azure's two
    /// accounts); empty: the hub is in <see cref="Storage"/>.
    /// </summary>
    public string HubStorage { get; set; } = string.Empty;

    /// <summary>Where the task hub's tables are read: <see cref="HubStorage"/>, else <see cref="Storage"/>.</summary>
    public string HubConnection => string.IsNullOrEmpty(HubStorage) ? Storage : HubStorage;

    /// <summary>The queues as the bench's fake agents reach them (the proxy's agent port in the transactions step).</summary>
    public string AgentStorage { get; set; } = string.Empty;

    /// <summary>SelfHost's <c>Scheduler__StoragePrefix</c>; its task hub is this plus <c>hub</c>.</summary>
    public string Prefix { get; set; } = "dispatch";

    /// <summary>SelfHost's API root.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:10503/api/";

    /// <summary>
    /// The API key the requests send (<c>BENCH_APIKEY</c>): the scripts start SelfHost with it as its bootstrap admin key,
    /// on a tier too large to throttle a benchmark, so the measurements include the auth and rate-limit gate.
    /// </summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>The counting proxy's control endpoint.</summary>
    public string ProxyControl { get; set; } = "http://127.0.0.1:10519/";

    /// <summary>
    /// The proxy step's listeners, <c>source:service:port:target</c> separated by commas, e.g.
    /// <c>selfhost:table:10512:10502,agent:queue:10513:10501</c>.
    /// </summary>
    public string ProxyListeners { get; set; } = string.Empty;

    /// <summary>The storage prefixes of the systems behind the proxy (comma separated), to tell app from engine names.</summary>
    public string Prefixes { get; set; } = string.Empty;

    /// <summary>What an idle window measures, for the report (e.g. "selfhost + 1 idle real agent").</summary>
    public string What { get; set; } = "idle";

    /// <summary>The label of the idle result an idle window is compared with (empty: none).</summary>
    public string Baseline { get; set; } = string.Empty;

    /// <summary>The processes the script started for this step (comma separated), to tell their CPU from the machine's.</summary>
    public string Pids { get; set; } = string.Empty;

    /// <summary>Free text for the report's header (the script passes the machine, SDK and Azurite versions).</summary>
    public string Environment { get; set; } = string.Empty;

    /// <summary>The folder every step writes its raw results to.</summary>
    public string Results { get; set; } = "bench/results/dispatch-latest";

    /// <summary>What the results file of this step is called (e.g. <c>latency-250</c>).</summary>
    public string Label { get; set; } = string.Empty;

    /// <summary>SelfHost's <c>DurableTask__MaxQueuePollingIntervalMs</c>, recorded with the figures.</summary>
    public int EnginePollingMs { get; set; } = 250;

    /// <summary>Latency samples, one task at a time.</summary>
    public int Samples { get; set; } = 100;

    /// <summary>The idle gap before each latency sample is drawn from [<see cref="MinIdleMs"/>, <see cref="MaxIdleMs"/>].</summary>
    public int MinIdleMs { get; set; } = 1000;

    public int MaxIdleMs { get; set; } = 3000;

    /// <summary>No-op tasks (or trivial orchestrations) per throughput run.</summary>
    public int Tasks { get; set; } = 300;

    /// <summary>Bench fake agents (one claimer each) in the throughput step.</summary>
    public int Agents { get; set; } = 8;

    /// <summary>Concurrent <c>POST /tasks</c> (or orchestration starts) while submitting.</summary>
    public int Submitters { get; set; } = 8;

    /// <summary>
    /// Offered load of the real-agent throughput step, tasks per second (task <c>i</c> is posted at <c>i / Rate</c>
    /// seconds, open loop); 0 posts as fast as the submitters can, a burst that parks the whole run as a backlog.
    /// </summary>
    public double Rate { get; set; }

    /// <summary>Real agents and their slots, recorded with the figures of the agent steps.</summary>
    public int RealAgents { get; set; } = 1;

    public int Slots { get; set; } = 4;

    /// <summary>The fake agent's idle back-off, as the real agent's defaults.</summary>
    public int MinPollMs { get; set; } = 50;

    public int MaxPollMs { get; set; } = 1000;

    /// <summary>Tasks whose storage calls are counted, one at a time and then all at once.</summary>
    public int TransactionTasks { get; set; } = 50;

    /// <summary>Tasks the phase probe runs, the bench acting as the agent, to split a task's requests by part of its life.</summary>
    public int ProbeTasks { get; set; } = 10;

    /// <summary>How long one claimed task is kept running to measure what a running task costs per minute.</summary>
    public int RunningSeconds { get; set; } = 180;

    /// <summary>How long SelfHost runs alone, then with an idle agent, to measure the background rate.</summary>
    public int HostIdleSeconds { get; set; } = 60;

    public int IdleSeconds { get; set; } = 120;

    /// <summary>Before a measured window: start-up work (leases, table creation, registration) is not counted.</summary>
    public int SettleSeconds { get; set; } = 15;

    /// <summary>A step gives up (and says so) after this long.</summary>
    public int MaxSeconds { get; set; } = 900;

    public static DispatchBenchOptions Load(IEnumerable<string> args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("BENCH_")
            .AddCommandLine(args.ToArray())
            .Build();
        var options = new DispatchBenchOptions();
        configuration.Bind(options);
        return options;
    }

    public string HubName => Prefix + "hub";

    public string ResultPath(string fileName) => Path.Combine(Results, fileName);
}
