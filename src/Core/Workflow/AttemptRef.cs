namespace TaskScheduler.Core.Workflow;

/// <summary>Names one attempt of one task.</summary>
public sealed record AttemptRef(string TaskId, int Attempt);
