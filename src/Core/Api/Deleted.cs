namespace TaskScheduler.Core.Api;

/// <summary>The reply of a <c>DELETE</c>: <c>{"success": true, "message"}</c>.</summary>
public sealed record Deleted(bool Success, string Message)
{
    public static Deleted Because(string message) => new(true, message);
}
