using TaskScheduler.Core.Api;
using TaskScheduler.Core.Logs;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Tasks;

/// <summary>The tasks resource: the rules of decisions.md over the repository. Hosts only parse and shape.</summary>
public sealed class TaskService(TaskRepository repository, TaskLogStore logs, TimeProvider clock)
{
    /// <summary>A dependency chain deeper than this is refused rather than walked.</summary>
    private const int MaxDependencyWalk = 1000;

    public DateTimeOffset Now => Timestamps.Truncate(clock.GetUtcNow());

    public async Task<StoredTask> GetAsync(string id, CancellationToken cancellationToken) =>
        (TaskIds.IsValid(id) ? await repository.GetAsync(id, cancellationToken) : null)
        ?? throw new TaskNotFoundException(id);

    public async Task<(IReadOnlyList<TaskItem> Items, long Total)> ListAsync(TaskListQuery query, CancellationToken cancellationToken) =>
        await repository.ListAsync(query, cancellationToken);

    /// <summary>
    /// One page of the tasks that depend on <paramref name="id"/>, in creation order (task ids are time-ordered).
    /// The edges come from the <c>dependents</c> table; an edge left by a create that failed, or by a task that has
    /// since dropped the dependency, is skipped on this page (the total counts the edges, so it may be a little high).
    /// </summary>
    public async Task<(IReadOnlyList<TaskItem> Items, PageMeta Meta)> ListDependentsAsync(string id, PageRequest page, CancellationToken cancellationToken)
    {
        await GetAsync(id, cancellationToken);
        var ids = (await repository.GetDependentsAsync(id, cancellationToken)).Order(StringComparer.Ordinal).ToList();
        var rows = await Task.WhenAll(ids.Skip(page.Skip).Take(page.Limit).Select(dependent => repository.GetAsync(dependent, cancellationToken)));
        var items = rows
            .Where(row => row is not null && row.Item.Dependencies.Contains(id, StringComparer.Ordinal))
            .Select(row => row!.Item)
            .ToList();
        return (items, page.Meta(ids.Count));
    }

    public async Task<TaskItem> UpdateAsync(string id, TaskUpdateRequest request, CancellationToken cancellationToken)
    {
        var before = await GetAsync(id, cancellationToken);
        if (request.Dependencies.HasValue)
        {
            await RequireExistingAsync(request.Dependencies.Value, cancellationToken);
            await RequireNoCycleAsync(id, request.Dependencies.Value, cancellationToken);
            await repository.AddDependentAsync(id, request.Dependencies.Value, cancellationToken);
        }

        var stored = await repository.UpdateAsync(id, task => Apply(task, request), cancellationToken)
            ?? throw new TaskNotFoundException(id);

        if (request.Dependencies.HasValue)
        {
            var dropped = before.Item.Dependencies.Except(stored.Item.Dependencies, StringComparer.Ordinal).ToList();
            await repository.RemoveDependentAsync(id, dropped, cancellationToken);
        }

        return stored.Item;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var stored = await GetAsync(id, cancellationToken);
        if (stored.Item.Status == TaskState.Running)
        {
            throw new TaskConflictException("A running task cannot be deleted; cancel it first.");
        }

        foreach (var dependentId in await repository.GetDependentsAsync(id, cancellationToken))
        {
            var dependent = await repository.GetAsync(dependentId, cancellationToken);
            if (dependent is not null && !dependent.Item.Status.IsTerminal() && dependent.Item.Dependencies.Contains(id))
            {
                throw new TaskConflictException($"Task '{dependentId}' ({dependent.Item.Status.ToWire()}) depends on this task.");
            }
        }

        try
        {
            await repository.DeleteAsync(stored, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            throw new TaskConflictException("The task changed while it was being deleted; try again.");
        }

        await logs.DeleteAllAsync(id, cancellationToken);
    }

    private TaskItem Apply(TaskItem task, TaskUpdateRequest request)
    {
        if (request.ChangesScheduling && !task.Status.CanReschedule())
        {
            throw new TaskConflictException($"Scheduling fields can only change while the task is pending; it is {task.Status.ToWire()}.");
        }

        return task with
        {
            Name = request.Name.Or(task.Name),
            Description = request.Description.Or(task.Description),
            Tags = request.Tags.Or(task.Tags),
            Priority = request.Priority.Or(task.Priority),
            ScheduledAt = request.ScheduledAt.Or(task.ScheduledAt),
            Dependencies = request.Dependencies.Or(task.Dependencies),
            MaxRetries = request.MaxRetries.Or(task.MaxRetries),
            RetriesLeft = request.MaxRetries.HasValue
                ? Math.Max(0, request.MaxRetries.Value - (task.MaxRetries - task.RetriesLeft))
                : task.RetriesLeft,
            TimeoutSeconds = request.TimeoutSeconds.Or(task.TimeoutSeconds),
            UpdatedAt = Now,
        };
    }

    /// <summary>Dependencies must name existing tasks (decisions.md), else 422 naming the missing ones.</summary>
    public async Task RequireExistingAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var found = await Task.WhenAll(ids.Select(id => repository.GetAsync(id, cancellationToken)));
        var missing = ids.Where((_, i) => found[i] is null).ToList();
        if (missing.Count > 0)
        {
            throw ApiException.Validation("dependencies", $"unknown task(s): {string.Join(", ", missing)}");
        }
    }

    /// <summary>Walks what the new dependencies depend on; reaching <paramref name="id"/> would close a cycle.</summary>
    private async Task RequireNoCycleAsync(string id, IReadOnlyList<string> dependencies, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var frontier = new Queue<string>(dependencies);
        while (frontier.Count > 0)
        {
            var next = frontier.Dequeue();
            if (next == id)
            {
                throw ApiException.Validation("dependencies", $"would create a cycle through task '{id}'");
            }

            if (!seen.Add(next))
            {
                continue;
            }

            if (seen.Count > MaxDependencyWalk)
            {
                throw ApiException.Validation("dependencies", $"the dependency graph is deeper than {MaxDependencyWalk} tasks");
            }

            var task = await repository.GetAsync(next, cancellationToken);
            foreach (var dependency in task?.Item.Dependencies ?? [])
            {
                frontier.Enqueue(dependency);
            }
        }
    }

}
