using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Core.Logs;

/// <summary><c>GET /tasks/{id}/logs</c>: <c>limit</c> (default 100, max 1000), <c>offset</c>, <c>level</c>.</summary>
public sealed record TaskLogQuery(int Limit, int Offset, string? Level)
{
    private static readonly string[] Allowed = ["limit", "offset", "level"];
    private static readonly Dictionary<string, string> Levels = LogLevels.All.ToDictionary(l => l, l => l, StringComparer.Ordinal);

    public static TaskLogQuery Parse(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query)
    {
        var parameters = QueryParameters.Parse(query, Allowed);
        return new TaskLogQuery(
            parameters.GetInt("limit", 100, 1, 1000),
            parameters.GetInt("offset", 0, 0, int.MaxValue),
            parameters.GetString("level") is null ? null : parameters.GetChoice("level", LogLevels.Info, Levels));
    }

    /// <summary>
    /// A task's whole log: the scheduler's own lines (kept in the task row) and the agent's (the log table), in time
    /// order; lines of the same instant keep their source order, the scheduler's first.
    /// </summary>
    public static IReadOnlyList<LogEntry> Merge(IReadOnlyList<LogEntry> scheduler, IReadOnlyList<LogEntry> agent) =>
        scheduler.Count == 0 ? agent : scheduler.Concat(agent).OrderBy(line => line.Timestamp).ToList();

    public (IReadOnlyList<LogEntry> Page, LogPageMeta Meta) Apply(IReadOnlyList<LogEntry> lines)
    {
        var matching = Level is null ? lines : lines.Where(l => l.Level == Level).ToList();
        return (matching.Skip(Offset).Take(Limit).ToList(), new LogPageMeta(Limit, Offset, matching.Count));
    }
}

/// <summary>The <c>meta</c> of a log page: logs page by offset, not by page number.</summary>
public sealed record LogPageMeta(int Limit, int Offset, int Total);
