using System.Globalization;
using System.Text;

namespace TaskScheduler.Bench;

/// <summary>Renders a results folder as the Markdown that bench/README.md quotes.</summary>
public static class Report
{
    /// <summary>Issue 2's targets.</summary>
    public const double ListP99TargetMs = 100;

    public const double CreateP99TargetMs = 50;

    public static string Render(BenchOptions options)
    {
        var seed = Results.Read<SeedResult>(options, Results.Seed);
        var probe = Results.Read<ProbeResult>(options, Results.Probe);
        var lists = ListScenarios.All.Select(s => Results.Read<ListScenarioResult>(options, ListScenarios.ResultFile(s.Name)))
            .OfType<ListScenarioResult>().ToList();
        var create = Results.Read<CreateResult>(options, Results.Create);
        var consistency = Results.Read<ConsistencyResult>(options, Results.Consistency);
        var text = new StringBuilder();

        if (options.Environment.Length > 0)
        {
            Line(text, $"Environment: {options.Environment}");
            text.AppendLine();
        }

        if (seed is not null)
        {
            Line(text, $"Seed: {seed.Tasks:N0} tasks ({Join(seed.Statuses)}; tags {Join(seed.Tags)}) in {seed.Seconds:F0} s ({seed.Seconds / 60:F1} min) through TaskRepository, {seed.Concurrency} at a time: {seed.StorageRequests:N0} storage requests, {seed.IndexRows:N0} index rows; mean insert {seed.InsertMeanMs:F0} ms, mean move {seed.MoveMeanMs:F0} ms; CPU (% of a core): Azurite {seed.Cpu.Azurite:F0}, seeder {seed.Cpu.Bench:F0}, other processes {seed.Cpu.Other:F0}; counters match the data: {(seed.CountersMatch ? "yes" : "NO")}.");
            text.AppendLine();
        }

        if (lists.Count > 0 || create is not null)
        {
            text.AppendLine("| Scenario | Requests | p50 ms | p95 ms | p99 ms | max ms | Target | Met | CPU % of a core: Azurite / SelfHost / bench / other |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---|---|---|");
            foreach (var list in lists)
            {
                var requests = string.Create(CultureInfo.InvariantCulture, $"{list.Latency.Count}{(list.StoppedEarly ? " (time cap)" : string.Empty)}{(list.Errors > 0 ? $", {list.Errors} errors" : string.Empty)}");
                var scenario = string.Create(CultureInfo.InvariantCulture, $"GET /api/tasks{(list.Query.Length > 0 ? "?" + list.Query : string.Empty)} ({list.ItemsPerPage} items, total {list.Total:N0})");
                Row(text, scenario, requests, list.Latency, ListP99TargetMs, list.Errors, Cpu(list.Cpu));
            }

            if (create is not null)
            {
                var requests = string.Create(CultureInfo.InvariantCulture, $"{create.Scheduled} ({create.Errors} errors; sent {create.SendRate:F1}/s, completed {create.CompletionRate:F1}/s)");
                var cpu = Cpu(create.Cpu);
                Row(text, $"POST /api/tasks, open loop {create.TargetRate}/s for {create.Seconds} s, from scheduled send", requests, create.Latency, CreateP99TargetMs, create.Errors, cpu);
                Row(text, "POST /api/tasks, same run, from actual send (service time)", "", create.ServiceTime, double.NaN, 0, cpu);
                Row(text, "POST /api/tasks, one at a time (the warm-up before the run)", create.SequentialWarmup.Count.ToString(CultureInfo.InvariantCulture), create.SequentialWarmup, double.NaN, 0, "-");
            }

            if (lists.Count > 0)
            {
                text.AppendLine();
                var idle = string.Join("; ", lists.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name} {Cpu(l.IdleCpu)}")));
                Line(text, $"Idle (no requests, between warm-up and measurement), CPU % of a core Azurite / SelfHost / bench / other: {idle}.");
            }

            text.AppendLine();
        }

        if (probe is not null)
        {
            text.AppendLine("| Listing, in-process (TaskRepository.ListAsync) | Storage calls | Counter queries | Key-range queries | Point reads | Median ms per call | In-process p50 ms |");
            text.AppendLine("|---|---:|---:|---:|---:|---|---:|");
            foreach (var scenario in probe.Scenarios.Append(probe.Isolated).Append(probe.SmallIsolated).Append(probe.SmallDefault))
            {
                var kinds = string.Join(", ", scenario.MedianMsByKind.Select(k => string.Create(CultureInfo.InvariantCulture, $"{Short(k.Key)} {k.Value:F1}")));
                var continuations = Kind(scenario, StorageCallKind.KeyRangeContinuation);
                var ranges = Kind(scenario, StorageCallKind.KeyRangeQuery) + (continuations == "0" ? string.Empty : $" (+{continuations} continuation)");
                Line(text, $"| {(scenario.Query.Length > 0 ? scenario.Query : "(default)")}{Suffix(scenario, probe)} | {scenario.CallsPerListing:0.#} | {Kind(scenario, StorageCallKind.CounterQuery)} | {ranges} | {Kind(scenario, StorageCallKind.PointRead)} | {kinds} | {scenario.InProcess.P50:F1} |");
            }
        }

        if (consistency is not null)
        {
            text.AppendLine();
            var rows = string.Join(", ", consistency.TaskRows.Where(r => r.Value > 0 || consistency.Counters[r.Key] > 0)
                .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value:N0} rows / {consistency.Counters[r.Key]:N0} counted")));
            Line(text, $"After the run, task rows against index counters: {(consistency.Match ? "match" : "**differ**")} ({rows}).");
        }

        return text.ToString();
    }

    private static string Suffix(ProbeScenarioResult scenario, ProbeResult probe) =>
        ReferenceEquals(scenario, probe.SmallIsolated) || ReferenceEquals(scenario, probe.SmallDefault)
            ? string.Create(CultureInfo.InvariantCulture, $", control set of {probe.SmallTasks} tasks")
            : ReferenceEquals(scenario, probe.Isolated) ? ", one call at a time" : string.Empty;

    private static string Short(string kind) => kind switch
    {
        nameof(StorageCallKind.CounterQuery) => "count",
        nameof(StorageCallKind.KeyRangeQuery) => "keys",
        nameof(StorageCallKind.KeyRangeContinuation) => "keys (cont.)",
        nameof(StorageCallKind.PointRead) => "point",
        _ => kind,
    };

    private static void Row(StringBuilder text, string scenario, string requests, LatencyStats latency, double targetMs, int errors, string cpu)
    {
        var target = double.IsNaN(targetMs) ? "-" : string.Create(CultureInfo.InvariantCulture, $"p99 < {targetMs:F0} ms");
        var met = double.IsNaN(targetMs) ? "-" : latency.P99 < targetMs && errors == 0 ? "met" : "**not met**";
        Line(text, $"| {scenario} | {requests} | {latency.P50:F1} | {latency.P95:F1} | {latency.P99:F1} | {latency.Max:F1} | {target} | {met} | {cpu} |");
    }

    private static string Cpu(CpuShare cpu) =>
        double.IsNaN(cpu.Azurite) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{cpu.Azurite:F0} / {cpu.SelfHost:F0} / {cpu.Bench:F0} / {cpu.Other:F0}");

    private static string Kind(ProbeScenarioResult scenario, StorageCallKind kind) =>
        scenario.CallsByKind.TryGetValue(kind.ToString(), out var count) ? count.ToString("0.#", CultureInfo.InvariantCulture) : "0";

    private static string Join(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.Where(c => c.Value > 0).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:N0}")));

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));
}
