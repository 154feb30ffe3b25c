namespace TaskScheduler.Bench;

/// <summary>The <c>GET /api/tasks</c> queries of issue 2, shared by the in-process probe and the HTTP run.</summary>
public static class ListScenarios
{
    /// <summary>The HTTP scenario that is not a listing.</summary>
    public const string Create = "create";

    public static IReadOnlyList<ListScenario> All { get; } =
    [
        new("default", string.Empty),
        new("pending-by-priority", "status=pending&sort=priority"),
        new("rare-tag", "tag=" + SeedPlan.RareTag),
        new("page-50", "page=50"),
    ];

    /// <summary>Every HTTP scenario, in the order scripts/bench.sh runs them (each on a fresh SelfHost).</summary>
    public static IEnumerable<string> HttpNames => All.Select(s => s.Name).Append(Create);

    public static string ResultFile(string name) => $"http-list-{name}.json";
}

/// <summary>A listing: its name (also its result file's) and its query string.</summary>
public sealed record ListScenario(string Name, string Query);
