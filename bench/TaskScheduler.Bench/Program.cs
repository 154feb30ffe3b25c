using Microsoft.Extensions.Logging;
using TaskScheduler.Bench;

// One step per invocation: scripts/bench.sh runs them in order and owns every process (Azurite, SelfHost) by PID.
const string Usage = """
    usage: TaskScheduler.Bench <step> [--Setting value ...]   (settings: BenchOptions, or BENCH_* variables)
      seed     seed the data set through TaskRepository (in-process)
      probe    count the storage calls of each listing (in-process)
      http     measure SelfHost over HTTP: the listings, then creates at an open-loop rate (--Scenario: just one)
      scenarios  print the names of the HTTP scenarios, one a line
      verify   compare task rows per status with the index counters (after SelfHost stopped)
      report   print the Markdown summary of a results folder
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var options = BenchOptions.Load(args.Skip(1));
using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddFilter("Azure", LogLevel.Warning)
    .AddSimpleConsole(console =>
    {
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss ";
    }));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

switch (args[0])
{
    case "seed":
        await new Seeder(options, loggerFactory).RunAsync(stop.Token);
        return 0;
    case "probe":
        await new StorageCallProbe(options, loggerFactory).RunAsync(stop.Token);
        return 0;
    case "http":
        using (var http = new HttpBenchmark(options, loggerFactory.CreateLogger<HttpBenchmark>()))
        {
            await http.RunAsync(stop.Token);
        }

        return 0;
    case "verify":
        await new ConsistencyCheck(options, loggerFactory).RunAsync(stop.Token);
        return 0;
    case "scenarios":
        Console.Out.Write(string.Join(Environment.NewLine, ListScenarios.HttpNames) + Environment.NewLine);
        return 0;
    case "report":
        Console.Out.Write(Report.Render(options));
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        return 2;
}
