using System.Text.Json.Nodes;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Metrics;
using TaskScheduler.Core.Tasks;
using TaskScheduler.Core.Workers;
using static TaskScheduler.Core.Api.OpenApi.JsonSchemas;

namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>
/// The query parameters of the API, by the name an <see cref="ApiOperationAttribute.Query"/> gives: the wire name,
/// or <c>name:qualifier</c> where one wire name means different things on different routes (a task's or a worker's
/// <c>status</c>).
/// </summary>
public static class QueryParameterSchemas
{
    private static readonly Dictionary<string, JsonObject> Schemas = new(StringComparer.Ordinal)
    {
        ["page"] = Integer(1, PageRequest.MaxPage, 1),
        ["limit"] = Integer(1, PageRequest.MaxLimit, PageRequest.DefaultLimit),
        ["status"] = Choice(TaskStates.All.Select(s => s.ToWire()), description: "Only tasks in this status."),
        ["status:workers"] = Choice(WorkerStatus.All, description: "Only workers in this status."),
        ["tag"] = String(description: "Only tasks with this tag."),
        ["sort"] = Choice(TaskListQuery.SortNames, "created_at"),
        ["order"] = Choice(["asc", "desc"], "desc"),
        ["offset"] = Integer(0, int.MaxValue, 0, "Lines to skip."),
        ["limit:logs"] = Integer(1, 1000, 100, "Lines to return."),
        ["level"] = Choice(LogLevels.All, description: "Only lines of this level."),
        ["period"] = Choice(MetricsService.PeriodNames, "hour", "The bucket width: the last 24 hours, 30 days, 12 weeks or 12 months."),
        ["metrics"] = String(description: $"A comma-separated subset of {string.Join(", ", MetricsService.AllSeries)} (default: all)."),
    };

    /// <summary>The name of the parameter on the wire.</summary>
    public static string WireName(string name) => name.Split(':')[0];

    /// <exception cref="InvalidOperationException">No parameter has that name.</exception>
    public static JsonObject SchemaOf(string name) =>
        Schemas.TryGetValue(name, out var schema)
            ? (JsonObject)schema.DeepClone()
            : throw new InvalidOperationException($"No query parameter is named {name}.");
}
