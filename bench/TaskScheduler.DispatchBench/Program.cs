using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace TaskScheduler.DispatchBench;

/// <summary>One step per invocation: scripts/bench-dispatch.sh runs them and owns every process (Azurite, proxy, SelfHost, agents) by PID.</summary>
public static class DispatchBenchProgram
{
    private const string Usage = """
        usage: TaskScheduler.DispatchBench <step> [--Setting value ...]   (settings: DispatchBenchOptions, or BENCH_* variables)
          latency           POST -> claim latency, one task at a time with idle gaps, with a polling fake agent
          throughput        no-op tasks through SelfHost with N fake agents
          engine            a trivial one-activity orchestration on SelfHost's engine, hosted in this process
          engine-transactions  the engine alone: storage requests per attempt-shaped orchestration, through the proxy
          proxy             the counting proxy in front of Azurite (runs until SIGTERM or Ctrl-C)
          transactions      storage requests per task through the proxy (SelfHost and the fake agent behind it)
          idle              storage requests per minute through the proxy in a quiet window
          running           what one running task costs per minute, through the proxy
          agent-throughput  `true` tasks through SelfHost and the real agents the script started
          agent-latency     POST -> started_at with the real agent, one task at a time with idle gaps
          create            POST /tasks from N concurrent clients, no agent (closed loop)
          floor             Azurite alone: table calls per second by table size, queue calls by stored messages
          report            the Markdown tables of a results folder
        """;

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        var options = DispatchBenchOptions.Load(args.Skip(1));
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

        switch (args[0])
        {
            case "latency":
                await new LatencyBenchmark(options, loggerFactory.CreateLogger<LatencyBenchmark>()).RunAsync(stop.Token);
                return 0;
            case "throughput":
                await new ThroughputBenchmark(options, loggerFactory.CreateLogger<ThroughputBenchmark>()).RunAsync(stop.Token);
                return 0;
            case "engine":
                await new EngineBaseline(options, loggerFactory.CreateLogger<EngineBaseline>()).RunAsync(stop.Token);
                return 0;
            case "engine-transactions":
                await new EngineBaseline(options, loggerFactory.CreateLogger<EngineBaseline>()).RunTransactionsAsync(stop.Token);
                return 0;
            case "proxy":
                var classifier = new StorageRequestClassifier(options.Prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                var listeners = options.ProxyListeners.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ProxyListener.Parse).ToList();
                await new CountingProxy(listeners, new Uri(options.ProxyControl).Port, classifier, loggerFactory.CreateLogger<CountingProxy>()).RunAsync(stop.Token);
                return 0;
            case "transactions":
                await new TransactionBenchmark(options, loggerFactory.CreateLogger<TransactionBenchmark>()).RunAsync(stop.Token);
                return 0;
            case "idle":
                await new TransactionBenchmark(options, loggerFactory.CreateLogger<TransactionBenchmark>()).RunIdleAsync(options.What, stop.Token);
                return 0;
            case "running":
                await new TransactionBenchmark(options, loggerFactory.CreateLogger<TransactionBenchmark>()).RunRunningAsync(stop.Token);
                return 0;
            case "agent-throughput":
                await new RealAgentBenchmark(options, loggerFactory.CreateLogger<RealAgentBenchmark>()).RunThroughputAsync(stop.Token);
                return 0;
            case "agent-latency":
                await new RealAgentBenchmark(options, loggerFactory.CreateLogger<RealAgentBenchmark>()).RunLatencyAsync(stop.Token);
                return 0;
            case "create":
                await new CreateBenchmark(options, loggerFactory.CreateLogger<CreateBenchmark>()).RunAsync(stop.Token);
                return 0;
            case "floor":
                await new AzuriteFloor(options, loggerFactory.CreateLogger<AzuriteFloor>()).RunAsync(stop.Token);
                return 0;
            case "report":
                await Console.Out.WriteAsync(DispatchReport.Render(options));
                return 0;
            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
