using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using TaskScheduler.Bench;

// One step per invocation. scripts/bench.sh starts Azurite and runs the steps in order; each step starts the
// SelfHost, agents and counting proxy it measures, and stops them.
const string Usage = """
    usage: TaskScheduler.Bench <step> [--Setting value ...]   (settings: BenchOptions, or BENCH_* variables)
      seed              seed the listing data set through TaskRepository (in-process)
      probe             count the storage calls of each listing (in-process)
      http              the listings over HTTP, then creates at an open-loop rate, each on a fresh SelfHost (--Scenario: one)
      scenarios         print the names of the HTTP scenarios, one a line
      verify            compare task rows per status with the index counters
      latency           POST -> claim latency, one task at a time with idle gaps, with a polling fake agent
      throughput        no-op tasks through SelfHost with N fake agents
      engine            a trivial one-activity orchestration on SelfHost's engine, hosted in this process
      engine-transactions  the engine alone: storage requests per attempt-shaped orchestration (--Proxy true)
      transactions      storage requests per task (--Proxy true: SelfHost and the fake agent behind the counting proxy)
      idle              storage requests per minute in a quiet window (--Proxy true)
      running           what one running task costs per minute (--Proxy true)
      firing            storage requests per schedule firing against a task posted at the same pace (--Proxy true)
      agent-throughput  `true` tasks through SelfHost and --RealAgents real agents
      agent-latency     POST -> started_at with the real agent, one task at a time with idle gaps
      create            POST /tasks from N concurrent clients, no agent (closed loop)
      floor             Azurite alone: table calls per second by table size, queue calls by stored messages
      report            the Markdown tables of a results folder
    """;

if (args.Length == 0)
{
    await Console.Error.WriteLineAsync(Usage);
    return 2;
}

var options = BenchOptions.Load(args.Skip(1));
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddFilter("Azure", LogLevel.Warning)
    .AddFilter("Microsoft", LogLevel.Warning)
    .AddFilter("DurableTask", LogLevel.Warning)
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss ";
    }));
using var stop = new CancellationTokenSource();
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
ILogger Logger<T>() => loggerFactory.CreateLogger<T>();

Task? step = args[0] switch
{
    "seed" => new Seeder(options, loggerFactory).RunAsync(stop.Token),
    "probe" => new StorageCallProbe(options, loggerFactory).RunAsync(stop.Token),
    "http" => new HttpBenchmark(options, Logger<HttpBenchmark>()).RunAsync(stop.Token),
    "verify" => new ConsistencyCheck(options, loggerFactory).RunAsync(stop.Token),
    "scenarios" => Console.Out.WriteAsync(string.Join(Environment.NewLine, ListScenarios.HttpNames) + Environment.NewLine),
    "latency" => new LatencyBenchmark(options, Logger<LatencyBenchmark>()).RunAsync(stop.Token),
    "throughput" => new ThroughputBenchmark(options, Logger<ThroughputBenchmark>()).RunAsync(stop.Token),
    "engine" => new EngineBaseline(options, Logger<EngineBaseline>()).RunAsync(stop.Token),
    "engine-transactions" => new EngineBaseline(options, Logger<EngineBaseline>()).RunTransactionsAsync(stop.Token),
    "transactions" => new TransactionBenchmark(options, Logger<TransactionBenchmark>()).RunAsync(stop.Token),
    "idle" => new TransactionBenchmark(options, Logger<TransactionBenchmark>()).RunIdleAsync(options.What, stop.Token),
    "running" => new TransactionBenchmark(options, Logger<TransactionBenchmark>()).RunRunningAsync(stop.Token),
    "firing" => new FiringBenchmark(options, Logger<FiringBenchmark>()).RunAsync(stop.Token),
    "agent-throughput" => new RealAgentBenchmark(options, Logger<RealAgentBenchmark>()).RunThroughputAsync(stop.Token),
    "agent-latency" => new RealAgentBenchmark(options, Logger<RealAgentBenchmark>()).RunLatencyAsync(stop.Token),
    "create" => new CreateBenchmark(options, Logger<CreateBenchmark>()).RunAsync(stop.Token),
    "floor" => new AzuriteFloor(options, Logger<AzuriteFloor>()).RunAsync(stop.Token),
    "report" => Console.Out.WriteAsync(Report.Render(options)),
    _ => null,
};
if (step is null)
{
    await Console.Error.WriteLineAsync(Usage);
    return 2;
}

await step;
return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
