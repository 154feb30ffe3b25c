using System.Globalization;
using System.Text;

namespace TaskScheduler.Bench;

/// <summary>Renders a results folder as the Markdown that bench/README.md quotes, whichever steps wrote it.</summary>
public static class Report
{
    // Issue 2's targets; issues 3, 4 and 12's.
    private const double ListP99TargetMs = 100;
    private const double CreateP99TargetMs = 50;
    private const double LatencyP50Target = 300;
    private const double LatencyP99Target = 1000;
    private const double RatioTarget = 0.5;
    private const double TransactionsTarget = 30;
    private const double CreatesTarget = 100;
    private const double CreateP99Target = 250;
    private const double AgentRateTarget = 10;

    public static string Render(BenchOptions options)
    {
        var report = new StringBuilder();
        if (options.Environment.Length > 0)
        {
            report.Append(CultureInfo.InvariantCulture, $"Machine: {options.Environment}\n\n");
        }

        Listing(report, options);
        Latency(report, options);
        Throughput(report, options);
        Creates(report, options);
        Transactions(report, options);
        Firing(report, options);
        return report.ToString();
    }

    /// <summary>Percent of one core a process of the step used (NaN when not measured).</summary>
    public static double Percent(CpuUse? cpu, string process) =>
        cpu is not null && cpu.ByProcess.TryGetValue(process, out var cores) ? cores * 100 : double.NaN;

    private static void Listing(StringBuilder text, BenchOptions options)
    {
        var seed = Results.Read<SeedResult>(options, Results.Seed);
        var probe = Results.Read<ProbeResult>(options, Results.Probe);
        var lists = ListScenarios.All.Select(s => Results.Read<ListScenarioResult>(options, ListScenarios.ResultFile(s.Name)))
            .OfType<ListScenarioResult>().ToList();
        var create = Results.Read<CreateResult>(options, Results.Create);
        var consistency = Results.Read<ConsistencyResult>(options, Results.Consistency);

        if (seed is not null)
        {
            Line(text, $"Seed: {seed.Tasks:N0} tasks ({Join(seed.Statuses)}; tags {Join(seed.Tags)}) in {seed.Seconds:F0} s ({seed.Seconds / 60:F1} min) through TaskRepository, {seed.Concurrency} at a time: {seed.StorageRequests:N0} storage requests, {seed.IndexRows:N0} index rows; mean insert {seed.InsertMeanMs:F0} ms, mean move {seed.MoveMeanMs:F0} ms; CPU (% of a core): Azurite {Percent(seed.Cpu, "azurite"):F0}, seeder {Percent(seed.Cpu, "bench"):F0}, other processes {seed.Cpu?.OtherCores * 100:F0}; counters match the data: {(seed.CountersMatch ? "yes" : "NO")}.");
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
                Row(text, scenario, requests, list.Latency, ListP99TargetMs, list.Errors, Percents(list.Cpu));
            }

            if (create is not null)
            {
                var requests = string.Create(CultureInfo.InvariantCulture, $"{create.Scheduled} ({create.Errors} errors; sent {create.SendRate:F1}/s, completed {create.CompletionRate:F1}/s)");
                var cpu = Percents(create.Cpu);
                Row(text, $"POST /api/tasks, open loop {create.TargetRate}/s for {create.Seconds} s, from scheduled send", requests, create.Latency, CreateP99TargetMs, create.Errors, cpu);
                Row(text, "POST /api/tasks, same run, from actual send (service time)", "", create.ServiceTime, double.NaN, 0, cpu);
                Row(text, "POST /api/tasks, one at a time (the warm-up before the run)", create.SequentialWarmup.Count.ToString(CultureInfo.InvariantCulture), create.SequentialWarmup, double.NaN, 0, "-");
            }

            if (lists.Count > 0)
            {
                text.AppendLine();
                var idle = string.Join("; ", lists.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Name} {Percents(l.IdleCpu)}")));
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

    /// <summary>Azurite / SelfHost / bench / other, in percent of one core.</summary>
    private static string Percents(CpuUse? cpu) => cpu is null
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{Percent(cpu, "azurite"):F0} / {Percent(cpu, "selfhost"):F0} / {Percent(cpu, "bench"):F0} / {cpu.OtherCores * 100:F0}");

    private static string Kind(ProbeScenarioResult scenario, StorageCallKind kind) =>
        scenario.CallsByKind.TryGetValue(kind.ToString(), out var count) ? count.ToString("0.#", CultureInfo.InvariantCulture) : "0";

    private static string Join(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.Where(c => c.Value > 0).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value:N0}")));

    private static void Line(StringBuilder text, FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

    private static void Latency(StringBuilder report, BenchOptions options)
    {
        var runs = Results.ReadAll<LatencySummary>(options, "latency-*.json")
            .Concat(Results.ReadAll<LatencySummary>(options, "agent-latency*.json"))
            .Select(r => r.Value)
            .ToList();
        if (runs.Count == 0)
        {
            return;
        }

        report.Append("### Dispatch latency, idle system (ms from `POST /tasks` returning)\n\n");
        report.Append("| agent | engine poll cap | agent poll cap | samples | to claim 200: p50 / p95 / p99 / max | to `started_at`: p50 / p95 / p99 | to \"queued\" (engine) p50 / p95 | queued -> received p50 / p95 | CPU: bench / others (cores) | target p50 < 300, p99 < 1000 |\n");
        report.Append("|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var run in runs)
        {
            // The claim is the figure of issue 3; with the real agent, started_at (set inside the claim) stands for it.
            var judged = double.IsNaN(run.Claimed.P50) ? run.Started : run.Claimed;
            report.Append(CultureInfo.InvariantCulture,
                $"| {run.Agent} | {run.EnginePollingMs} ms | {run.AgentMaxPollMs} ms | {run.Samples} | {Four(run.Claimed)} | {Three(run.Started)} | {Ms(run.Queued.P50)} / {Ms(run.Queued.P95)} | {Ms(run.QueuedToReceived.P50)} / {Ms(run.QueuedToReceived.P95)} | {Cpu(run.Cpu)} | {Met(judged.P50 < LatencyP50Target && judged.P99 < LatencyP99Target)} |\n");
        }

        report.Append('\n');
    }

    private static void Throughput(StringBuilder report, BenchOptions options)
    {
        var tasks = Results.ReadAll<ThroughputSummary>(options, "throughput*.json").Select(r => r.Value).ToList();
        // engine-transactions.json is the engine-floor step's storage count, not a throughput run.
        var engine = Results.ReadAll<ThroughputSummary>(options, "engine*.json")
            .Where(r => r.Name != "engine-transactions").Select(r => r.Value).ToList();
        var agents = Results.ReadAll<ThroughputSummary>(options, "agent-throughput*.json").Select(r => r.Value).ToList();
        var all = tasks.Concat(engine).Concat(agents).ToList();
        if (all.Count == 0)
        {
            return;
        }

        report.Append("### Throughput\n\n");
        report.Append("| run | what | workers | done | to last done | per second | to all orchestrations completed | per second | POST -> started p50 / p95 (ms) | CPU: bench / others (cores) | bench processes (cores) |\n");
        report.Append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var run in all)
        {
            var started = run.PostToStarted is { Count: > 0 } s ? $"{Ms(s.P50)} / {Ms(s.P95)}" : "-";
            report.Append(CultureInfo.InvariantCulture,
                $"| {run.Label} | {run.What} | {(run.Workers == 0 ? "-" : run.Workers)} | {run.Completed}/{run.Tasks} | {run.CompleteSeconds:F1} s | **{run.TasksPerSecond:F1}** | {run.DrainSeconds:F1} s | {run.DrainedPerSecond:F1} | {started} | {Cpu(run.Cpu)} | {Processes(run.Cpu)} |\n");
        }

        foreach (var run in agents.Where(r => !double.IsNaN(r.FirstQuarterPerSecond)))
        {
            var steady = run.LastQuarterPerSecond >= 0.8 * run.FirstQuarterPerSecond;
            report.Append(CultureInfo.InvariantCulture,
                $"\n{run.Label}: first quarter {run.FirstQuarterPerSecond:F1} tasks/s, last quarter {run.LastQuarterPerSecond:F1} tasks/s; target >= {AgentRateTarget} tasks/s with the last quarter within 20 % of the first: {Met(run.TasksPerSecond >= AgentRateTarget && steady)}.\n");
        }

        if (tasks.Count > 0 && engine.Count > 0)
        {
            var task = tasks[0];
            var bare = engine[0];
            var ratio = task.TasksPerSecond / bare.TasksPerSecond;
            var drainedRatio = task.DrainedPerSecond / bare.DrainedPerSecond;
            report.Append(CultureInfo.InvariantCulture,
                $"\nRatio no-op tasks / trivial orchestrations: **{ratio:F2}** (tasks completed), {drainedRatio:F2} (orchestrations completed); target >= {RatioTarget}: {Met(ratio >= RatioTarget)}.\n");
        }

        report.Append('\n');
    }

    private static void Creates(StringBuilder report, BenchOptions options)
    {
        var runs = Results.ReadAll<CreateSummary>(options, "create*.json").Select(r => r.Value).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        report.Append("### Creates (API only, closed loop)\n\n");
        report.Append("| run | clients | created / sent | seconds | creates/s | p50 / p95 / p99 / max (ms) | CPU: bench / others (cores) | target >= 100/s, p99 < 250 ms |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var run in runs)
        {
            report.Append(CultureInfo.InvariantCulture,
                $"| {run.Label} | {run.Clients} | {run.Created}/{run.Requests} | {run.Seconds:F1} | **{run.CreatesPerSecond:F1}** | {Four(run.Latency)} | {Cpu(run.Cpu)} | {Met(run.CreatesPerSecond >= CreatesTarget && run.Latency.P99 < CreateP99Target)} |\n");
        }

        report.Append('\n');
    }

    private static void Transactions(StringBuilder report, BenchOptions options)
    {
        var result = Results.Read<TransactionsResult>(options, "transactions.json");
        if (result is not null)
        {
            report.Append(CultureInfo.InvariantCulture,
                $"### Storage requests per task ({result.Tasks} no-op tasks, engine poll cap {result.EnginePollingMs} ms, background subtracted)\n\n");
            report.Append("| storage | one at a time | all at once | one at a time, by operation |\n|---|---|---|---|\n");
            StorageRows(report, result.SequentialPerTask, result.ConcurrentPerTask);

            var scheduler = (Sum(result.SequentialPerTask, k => !IsAgent(k)), Sum(result.ConcurrentPerTask, k => !IsAgent(k)));
            var agent = (Sum(result.SequentialPerTask, IsAgent), Sum(result.ConcurrentPerTask, IsAgent));
            report.Append(CultureInfo.InvariantCulture, $"| **engine + app (SelfHost)** | **{scheduler.Item1:F1}** | **{scheduler.Item2:F1}** | target <= {TransactionsTarget}: {Met(scheduler.Item1 <= TransactionsTarget)} one at a time, {Met(scheduler.Item2 <= TransactionsTarget)} at once |\n");
            var timers = Sum(result.SequentialTimersPerTask, k => !IsAgent(k));
            report.Append(CultureInfo.InvariantCulture, $"| engine + app, later: the one-at-a-time tasks' timers firing | {timers:F1} | | one at a time with its timer: **{scheduler.Item1 + timers:F1}** |\n");
            report.Append(CultureInfo.InvariantCulture, $"| agent's own queue calls | {agent.Item1:F1} | {agent.Item2:F1} | |\n");
            report.Append(CultureInfo.InvariantCulture, $"| **everything** | **{scheduler.Item1 + agent.Item1:F1}** | **{scheduler.Item2 + agent.Item2:F1}** | |\n\n");
            report.Append(CultureInfo.InvariantCulture,
                $"Windows: one at a time {result.Sequential.Seconds:F0} s ({result.Sequential.Total} requests), all at once {result.Concurrent.Seconds:F0} s ({result.Concurrent.Total}); background {result.AgentIdle.Total * 60 / result.AgentIdle.Seconds:F0}/min over {result.AgentIdle.Seconds:F0} s; CPU bench / others {Cpu(result.Cpu)} cores.\n\n");
        }

        if (Results.Read<EngineTransactionsResult>(options, "engine-transactions.json") is { } engine)
        {
            report.Append(CultureInfo.InvariantCulture,
                $"### The engine alone ({engine.Instances} attempt-shaped orchestrations one at a time, no app, background subtracted)\n\n");
            report.Append("| storage | one at a time | its timer, later | by operation |\n|---|---|---|---|\n");
            StorageRows(report, engine.SequentialPerInstance, engine.TimersPerInstance);

            var sum = engine.SequentialPerInstance.Values.Sum();
            var timerSum = engine.TimersPerInstance.Values.Sum();
            report.Append(CultureInfo.InvariantCulture, $"| **engine alone** | **{sum:F1}** | **{timerSum:F1}** | with its timer: **{sum + timerSum:F1}** |\n\n");
        }

        if (result is { Phases.Count: > 0 })
        {
            Phases(report, result.Phases);
        }

        Besides(report, options);
        Idle(report, options, result);
    }

    /// <summary>Issue 16: one schedule firing against one task posted at the same pace; the difference is the firing itself.</summary>
    private static void Firing(StringBuilder report, BenchOptions options)
    {
        foreach (var (_, run) in Results.ReadAll<FiringResult>(options, "firing*.json"))
        {
            var itself = Difference(run.PerFiring, run.PerTask);
            report.Append(CultureInfo.InvariantCulture,
                $"### Storage requests per schedule firing ({run.Firings} firings every {run.IntervalSeconds} s, real agent, engine poll cap {run.EnginePollingMs} ms, background subtracted)\n\n");
            report.Append("| storage | per firing (its task included) | per task posted at the same pace | the firing itself | per firing, by operation |\n|---|---|---|---|---|\n");
            var (firing, task, difference) = (Group(run.PerFiring), Group(run.PerTask), Group(itself));
            foreach (var row in firing.Keys.Union(task.Keys).Order(StringComparer.Ordinal))
            {
                var (one, other) = (firing.GetValueOrDefault(row), task.GetValueOrDefault(row));
                if (Math.Abs(one.Total) >= 0.05 || Math.Abs(other.Total) >= 0.05)
                {
                    report.Append(CultureInfo.InvariantCulture, $"| {row} | {one.Total:F1} | {other.Total:F1} | {difference.GetValueOrDefault(row).Total:F1} | {one.Detail} |\n");
                }
            }

            var selfHost = (Sum(run.PerFiring, k => !IsAgent(k)), Sum(run.PerTask, k => !IsAgent(k)));
            var agent = (Sum(run.PerFiring, IsAgent), Sum(run.PerTask, IsAgent));
            report.Append(CultureInfo.InvariantCulture, $"| **engine + app (SelfHost)** | **{selfHost.Item1:F1}** | **{selfHost.Item2:F1}** | **{selfHost.Item1 - selfHost.Item2:F1}** | |\n");
            report.Append(CultureInfo.InvariantCulture, $"| agent's own queue calls | {agent.Item1:F1} | {agent.Item2:F1} | {agent.Item1 - agent.Item2:F1} | |\n\n");
            report.Append(CultureInfo.InvariantCulture,
                $"Windows: firings {run.Schedule.Seconds:F0} s ({run.Schedule.Total} requests), tasks {run.Tasks.Seconds:F0} s ({run.Tasks.Total}); background {run.Background.Total * 60 / run.Background.Seconds:F0}/min over {run.Background.Seconds:F0} s; CPU bench / others {Cpu(run.Cpu)} cores.\n\n");
        }
    }

    /// <summary>What a task costs besides its own steps: while it runs, and after it finished (the sweeps).</summary>
    private static void Besides(StringBuilder report, BenchOptions options)
    {
        var idles = Results.ReadAll<IdleResult>(options, "idle-*.json").ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
        var finished = idles.Values.FirstOrDefault(i => i.Tasks > 0 && idles.ContainsKey(i.Baseline));
        var running = Results.Read<RunningResult>(options, "running.json");
        if (finished is null && running is null)
        {
            return;
        }

        report.Append("### Besides its own steps: finished and running tasks\n\n");
        report.Append("| what | storage requests | items |\n|---|---|---|\n");
        if (finished is not null)
        {
            var baseline = idles[finished.Baseline];
            var extra = Difference(finished.Window.PerMinute(), baseline.Window.PerMinute());
            // The sweep looks at the newest page (100) of each finished status.
            var visited = Math.Min(finished.Tasks - baseline.Tasks, 100);
            var perTask = extra.Values.Sum() / visited;
            report.Append(CultureInfo.InvariantCulture,
                $"| SelfHost idle with {finished.Tasks} tasks finished within the hour, minus SelfHost idle with {baseline.Tasks} | **{extra.Values.Sum():F0}/min** = {perTask:F2}/min for each of the {visited} the sweep visits, ~{perTask * 60:F0} per task over its first hour | {Items(extra)} |\n");
        }

        if (running is not null)
        {
            var cost = running.Running;
            report.Append(CultureInfo.InvariantCulture,
                $"| one task running, its agent heart-beating every 10 s ({cost.Seconds:F0} s, minus the same system quiet) | **{cost.PerMinute.Values.Sum():F1}/min** | {Items(cost.PerMinute)} |\n");
            report.Append(CultureInfo.InvariantCulture,
                $"| its orchestration's history after {cost.Seconds:F0} s running | {cost.HistoryRows} rows (a task that ran for a moment: {cost.ShortTaskHistoryRows}) | |\n");
        }

        report.Append('\n');
    }

    private static Dictionary<string, double> Difference(Dictionary<string, double> window, Dictionary<string, double> baseline) =>
        window.Keys.Union(baseline.Keys).ToDictionary(k => k, k => window.GetValueOrDefault(k) - baseline.GetValueOrDefault(k), StringComparer.Ordinal);

    private static string Items(Dictionary<string, double> perKey) => string.Join("; ", Group(perKey)
        .Where(g => Math.Abs(g.Value.Total) >= 0.5)
        .OrderByDescending(g => g.Value.Total)
        .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Value.Total:F1} ({g.Value.Detail})")));

    private static void Phases(StringBuilder report, IReadOnlyList<Phase> phases)
    {
        report.Append("### Where one task's requests go (the bench as the agent, one task at a time, SelfHost's idle rate subtracted)\n\n");
        report.Append("| part of the task's life | time | engine | app | total | items (by operation) |\n|---|---|---|---|---|---|\n");
        foreach (var phase in phases)
        {
            var items = Items(phase.PerTask);
            report.Append(CultureInfo.InvariantCulture,
                $"| {phase.Name} | {phase.Seconds * 1000:F0} ms | {Sum(phase.PerTask, k => k.Contains("/engine/", StringComparison.Ordinal)):F1} | {Sum(phase.PerTask, k => k.Contains("/app/", StringComparison.Ordinal)):F1} | **{phase.PerTask.Values.Sum():F1}** | {items} |\n");
        }

        var all = phases.SelectMany(p => p.PerTask).GroupBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        report.Append(CultureInfo.InvariantCulture,
            $"| **whole life** | {phases.Sum(p => p.Seconds) * 1000:F0} ms | {Sum(all, k => k.Contains("/engine/", StringComparison.Ordinal)):F1} | {Sum(all, k => k.Contains("/app/", StringComparison.Ordinal)):F1} | **{all.Values.Sum():F1}** | |\n\n");
    }

    private static void Idle(StringBuilder report, BenchOptions options, TransactionsResult? result)
    {
        var idles = Results.ReadAll<IdleResult>(options, "idle-*.json").ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
        var windows = new List<(string What, int Polling, Dictionary<string, double> Rate)>();
        foreach (var idle in idles.Values.Where(i => i.Tasks == 0 || !idles.ContainsKey(i.Baseline)))
        {
            windows.Add(idles.TryGetValue(idle.Baseline, out var baseline)
                ? ($"{idle.What} (on top of {baseline.What})", idle.EnginePollingMs, Difference(idle.Window.PerMinute(), baseline.Window.PerMinute()))
                : (idle.What, idle.EnginePollingMs, idle.Window.PerMinute()));
        }

        if (result is not null)
        {
            windows.Add(("one idle bench fake agent (on top of SelfHost without the reconciliation sweep)", result.EnginePollingMs, Difference(result.AgentIdle.PerMinute(), result.HostIdle.PerMinute())));
        }

        if (windows.Count == 0)
        {
            return;
        }

        report.Append("### Idle storage requests per minute\n\n");
        report.Append("| what | engine poll cap | requests/min | engine | app | agent's queue calls | main items |\n|---|---|---|---|---|---|---|\n");
        foreach (var (what, polling, rate) in windows.OrderBy(w => w.What.Contains("agent", StringComparison.Ordinal)).ThenBy(w => w.Polling))
        {
            var grouped = Group(rate);
            var main = string.Join(", ", grouped.OrderByDescending(g => g.Value.Total).Take(4).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Value.Total:F0}")));
            report.Append(CultureInfo.InvariantCulture,
                $"| {what} | {polling} ms | **{rate.Values.Sum():F0}** | {Sum(rate, k => k.Contains("/engine/", StringComparison.Ordinal)):F0} | {Sum(rate, k => !IsAgent(k) && k.Contains("/app/", StringComparison.Ordinal)):F0} | {Sum(rate, IsAgent):F0} | {main} |\n");
        }

        report.Append('\n');
    }

    /// <summary>Rows of the breakdown: app tables and queues by name, the engine's queues, tables and blobs, the agent.</summary>
    /// <summary>One row per storage resource: its count in <paramref name="first"/> and <paramref name="second"/>, and the first's operations.</summary>
    private static void StorageRows(StringBuilder report, Dictionary<string, double> first, Dictionary<string, double> second)
    {
        var left = Group(first);
        var right = Group(second);
        foreach (var row in left.Keys.Union(right.Keys).Order(StringComparer.Ordinal))
        {
            var one = left.GetValueOrDefault(row);
            var other = right.GetValueOrDefault(row);
            if (Math.Abs(one.Total) >= 0.05 || Math.Abs(other.Total) >= 0.05)
            {
                report.Append(CultureInfo.InvariantCulture, $"| {row} | {one.Total:F1} | {other.Total:F1} | {one.Detail} |\n");
            }
        }
    }

    private static Dictionary<string, (double Total, string Detail)> Group(Dictionary<string, double> perKey) =>
        perKey
            .GroupBy(kv => RowOf(kv.Key), StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (g.Sum(kv => kv.Value), string.Join(", ", g
                    .GroupBy(kv => kv.Key[(kv.Key.LastIndexOf('/') + 1)..], StringComparer.Ordinal)
                    .Select(op => (Op: op.Key, Count: op.Sum(kv => kv.Value)))
                    .Where(op => Math.Abs(op.Count) >= 0.05)
                    .OrderByDescending(op => op.Count)
                    .Select(op => string.Create(CultureInfo.InvariantCulture, $"{op.Op} {op.Count:F1}")))),
                StringComparer.Ordinal);

    private static string RowOf(string key)
    {
        // source/service/owner/resource/operation
        var parts = key.Split('/');
        var (source, service, owner, resource) = (parts[0], parts[1], parts[2], parts[3]);
        if (source == "agent")
        {
            return "agent: " + service + " " + (resource.StartsWith("tasks-", StringComparison.Ordinal) ? "tasks-*" : resource);
        }

        return (owner, service) switch
        {
            ("app", "queue") when resource.StartsWith("tasks-", StringComparison.Ordinal) => "app queues tasks-*",
            ("app", _) => $"app {service} {resource}",
            ("engine", "queue") => $"engine queue {resource}",
            ("engine", "table") => $"engine table {resource}",
            ("engine", "blob") => $"engine blobs {resource}",
            _ => $"{owner} {service} {resource}",
        };
    }

    private static bool IsAgent(string key) => key.StartsWith("agent/", StringComparison.Ordinal);

    private static double Sum(Dictionary<string, double> values, Func<string, bool> where) =>
        values.Where(kv => where(kv.Key)).Sum(kv => kv.Value);

    private static string Cpu(CpuUse? cpu) => cpu is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{cpu.OwnCores:F1} / {cpu.OtherCores:F1}");

    /// <summary>Each of the benchmark's processes, busiest first: which one is the bottleneck.</summary>
    private static string Processes(CpuUse? cpu) => cpu is null
        ? "-"
        : string.Join(", ", cpu.ByProcess.Where(p => p.Value >= 0.05).OrderByDescending(p => p.Value).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F2}")));

    private static string Met(bool met) => met ? "met" : "**not met**";

    private static string Ms(double value) => double.IsNaN(value) ? "-" : value.ToString("F0", CultureInfo.InvariantCulture);

    private static string Three(LatencyStats stats) => double.IsNaN(stats.P50) ? "-" : $"{Ms(stats.P50)} / {Ms(stats.P95)} / {Ms(stats.P99)}";

    private static string Four(LatencyStats stats) => double.IsNaN(stats.P50) ? "-" : $"**{Ms(stats.P50)}** / {Ms(stats.P95)} / **{Ms(stats.P99)}** / {Ms(stats.Max)}";
}
