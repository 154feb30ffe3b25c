using Microsoft.Extensions.Configuration;

namespace TaskScheduler.Bench;

/// <summary>
/// The settings of one step. Read from the command line (<c>--Tasks 1000</c>) over <c>BENCH_*</c> environment
/// variables (<c>BENCH_TASKS=1000</c>), so scripts/bench.sh can pass a smaller run through without editing code.
/// </summary>
public sealed class BenchOptions
{
    /// <summary>The Azurite connection string; the same one SelfHost is given as <c>SchedulerStorage</c>.</summary>
    public string Storage { get; set; } = string.Empty;

    /// <summary>The table prefix; the same one SelfHost is given as <c>Scheduler__StoragePrefix</c>.</summary>
    public string Prefix { get; set; } = "bench";

    /// <summary>SelfHost's API root, e.g. <c>http://127.0.0.1:10203/api/</c>.</summary>
    public string BaseUrl { get; set; } = "http://127.0.0.1:10203/api/";

    /// <summary>The folder every step writes its raw results and summary to.</summary>
    public string Results { get; set; } = "bench/results/latest";

    public int Tasks { get; set; } = 100_000;

    /// <summary>How many seeded tasks carry <see cref="SeedPlan.RareTag"/>.</summary>
    public int RareTasks { get; set; } = 50;

    public int SeedConcurrency { get; set; } = 48;

    /// <summary>In-process listings per scenario when counting storage calls (after one warm-up).</summary>
    public int ProbeRepeats { get; set; } = 5;

    public int ListWarmup { get; set; } = 20;

    /// <summary>The warm-up of a scenario ends after <see cref="ListWarmup"/> requests or this long, whichever is first.</summary>
    public int ListWarmupMaxSeconds { get; set; } = 30;

    public int ListRequests { get; set; } = 300;

    /// <summary>Seconds without requests, after a scenario's warm-up, to measure what the processes use idle.</summary>
    public int IdleSeconds { get; set; } = 10;

    /// <summary>A scenario stops early (and says so) when its measured requests take longer than this.</summary>
    public int ListMaxSeconds { get; set; } = 300;

    /// <summary>The one HTTP scenario to run (see <see cref="ListScenarios.HttpNames"/>); empty: all of them.</summary>
    public string Scenario { get; set; } = string.Empty;

    public int CreateWarmup { get; set; } = 50;

    public int CreateRate { get; set; } = 200;

    public int CreateSeconds { get; set; } = 30;

    /// <summary>Azurite's process id, to report its CPU use per phase (0: not reported).</summary>
    public int AzuritePid { get; set; }

    /// <summary>
    /// The API key the requests send (<c>BENCH_APIKEY</c>): the scripts start SelfHost with it as its bootstrap admin key,
    /// on a tier too large to throttle a benchmark, so the measurements include the auth and rate-limit gate.
    /// </summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>SelfHost's process id, to report its CPU use per phase (0: not reported).</summary>
    public int SelfHostPid { get; set; }

    /// <summary>Tasks in the small control data set the probe lists, to separate the emulator's cost per stored row.</summary>
    public int SmallTasks { get; set; } = 40;

    /// <summary>Free text for the report's header (the script passes <c>dotnet --version</c>, Azurite's version).</summary>
    public string Environment { get; set; } = string.Empty;

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
