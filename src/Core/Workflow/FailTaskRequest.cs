namespace TaskScheduler.Core.Workflow;

/// <summary>Fails a task that never ran (e.g. a dependency failed).</summary>
public sealed record FailTaskRequest(string TaskId, string Error);
