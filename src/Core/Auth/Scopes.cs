namespace TaskScheduler.Core.Auth;

/// <summary>The scopes of decisions.md. <c>admin</c> implies every other scope.</summary>
public static class Scopes
{
    public const string TasksRead = "tasks:read";
    public const string TasksWrite = "tasks:write";

    /// <summary>The agent protocol: registration, heartbeats, claim, logs, checkpoint, complete, fail.</summary>
    public const string Workers = "workers";

    /// <summary>API keys; implies every other scope.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [TasksRead, TasksWrite, Workers, Admin];

    public static bool IsKnown(string? scope) => scope is not null && All.Contains(scope, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="granted"/> allows <paramref name="required"/>.</summary>
    public static bool Allows(IReadOnlySet<string> granted, string required) =>
        granted.Contains(required) || granted.Contains(Admin);
}
