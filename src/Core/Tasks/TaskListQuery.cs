using Microsoft.Extensions.Primitives;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Core.Tasks;

/// <summary>A validated <c>GET /tasks</c> query.</summary>
public sealed record TaskListQuery(TaskState? Status, string? Tag, TaskSortField Sort, bool Descending, PageRequest Page)
{
    private static readonly string[] Allowed = ["status", "tag", "sort", "order", "page", "limit"];

    private static readonly Dictionary<string, TaskSortField> SortFields = new(StringComparer.Ordinal)
    {
        ["created_at"] = TaskSortField.CreatedAt,
        ["updated_at"] = TaskSortField.UpdatedAt,
        ["priority"] = TaskSortField.Priority,
        ["scheduled_at"] = TaskSortField.ScheduledAt,
        ["name"] = TaskSortField.Name,
    };

    /// <summary>The <c>sort</c> values, as the wire spells them.</summary>
    public static IReadOnlyCollection<string> SortNames => SortFields.Keys;

    private static readonly Dictionary<string, bool> Orders = new(StringComparer.Ordinal) { ["asc"] = false, ["desc"] = true };

    private static readonly Dictionary<string, TaskState> Statuses =
        TaskStates.All.ToDictionary(s => s.ToWire(), s => s, StringComparer.Ordinal);

    public static TaskListQuery Parse(IEnumerable<KeyValuePair<string, StringValues>> query)
    {
        var parameters = QueryParameters.Parse(query, Allowed);
        TaskState? status = parameters.GetString("status") is null ? null : parameters.GetChoice("status", TaskState.Pending, Statuses);
        var tag = parameters.GetString("tag");
        if (tag is not null && !TaskRequestParser.IsValidTag(tag))
        {
            throw ApiException.InvalidParameter("tag", "must be a valid tag (letters, digits, '.', '_', ':', '-')");
        }

        return new TaskListQuery(
            status,
            tag,
            parameters.GetChoice("sort", TaskSortField.CreatedAt, SortFields),
            parameters.GetChoice("order", true, Orders),
            PageRequest.From(parameters));
    }
}
