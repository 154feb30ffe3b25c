using System.Text.RegularExpressions;

namespace TaskScheduler.Core.Tasks;

/// <summary>Task ids: generated time-ordered, and validated before they ever reach a storage key or filter.</summary>
public static partial class TaskIds
{
    public static string New() => "task-" + Guid.CreateVersion7().ToString("N");

    /// <summary>Letters, digits, '-' and '_' only: safe as a PartitionKey and in any OData filter.</summary>
    public static bool IsValid(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>An id that cannot exist is a task that does not: 404 without touching storage.</summary>
    public static string Require(string id) => IsValid(id) ? id : throw new TaskNotFoundException(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
