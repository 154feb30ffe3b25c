namespace TaskScheduler.Core.Workflow;

/// <summary>
/// Version 1's attempt event: started, or ended with the task's status after as its lower-case name. Kept only so
/// that version-1 instances in flight at the upgrade finish.
/// </summary>
public sealed record AttemptUpdateV1(int Attempt, bool Started, string? StatusAfter);
