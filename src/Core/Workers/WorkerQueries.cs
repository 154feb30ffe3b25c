using TaskScheduler.Core.Api;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workers;

/// <summary>
/// The worker views. Workers are few (one row per agent process), so a list reads the workers table and pages in
/// memory; a worker's tasks come from the <c>workertasks</c> table written at each claim.
/// </summary>
public sealed class WorkerQueries(WorkerRepository workers, TaskRepository tasks)
{
    private static readonly string[] ListParameters = ["status", "page", "limit"];
    private static readonly Dictionary<string, string> Statuses = WorkerStatus.All.ToDictionary(s => s, s => s, StringComparer.Ordinal);
    private static readonly Dictionary<string, TaskState> TaskStatuses = TaskStates.All.ToDictionary(s => s.ToWire(), s => s, StringComparer.Ordinal);

    public async Task<(IReadOnlyList<WorkerResource> Items, PageMeta Meta)> ListAsync(QueryParameters query, CancellationToken cancellationToken)
    {
        var status = query.GetString("status") is null ? null : query.GetChoice("status", WorkerStatus.Active, Statuses);
        var page = PageRequest.From(query);
        var all = new List<Worker>();
        await foreach (var worker in workers.QueryAsync(status, cancellationToken))
        {
            all.Add(worker);
        }

        var items = all.OrderByDescending(w => w.RegisteredAt).ThenBy(w => w.Id, StringComparer.Ordinal)
            .Skip(page.Skip).Take(page.Limit).Select(WorkerResource.From).ToList();
        return (items, page.Meta(all.Count));
    }

    public static QueryParameters ParseList(IEnumerable<KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>> query) =>
        QueryParameters.Parse(query, ListParameters);

    public async Task<Worker> GetAsync(string id, CancellationToken cancellationToken) =>
        (WorkerService.IsValidId(id) ? await workers.GetAsync(id, cancellationToken) : null)
        ?? throw ApiException.NotFound($"Worker '{(id.Length > 64 ? id[..64] : id)}' was not found.");

    /// <summary>The tasks a worker ran or runs, newest first, in the spec's short shape.</summary>
    public async Task<(IReadOnlyList<TaskSummary> Items, PageMeta Meta)> ListTasksAsync(string id, QueryParameters query, CancellationToken cancellationToken)
    {
        await GetAsync(id, cancellationToken);
        TaskState? status = query.GetString("status") is null ? null : query.GetChoice("status", TaskState.Pending, TaskStatuses);
        var page = PageRequest.From(query);
        var ids = await workers.GetTaskIdsAsync(id, cancellationToken);
        var found = await Task.WhenAll(ids.Select(taskId => tasks.GetAsync(taskId, cancellationToken)));
        var matching = found.Where(t => t is not null && (status is null || t.Item.Status == status))
            .Select(t => t!.Item)
            .OrderByDescending(t => t.StartedAt ?? t.CreatedAt)
            .ToList();
        var items = matching.Skip(page.Skip).Take(page.Limit)
            .Select(TaskSummary.From)
            .ToList();
        return (items, page.Meta(matching.Count));
    }
}
