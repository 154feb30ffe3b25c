namespace TaskScheduler.Core.Events;

/// <summary>The <c>schedule</c> member of <c>schedule.fired</c> (the task a firing made) and <c>schedule.failed</c> (why it could not).</summary>
public sealed record ScheduleEventData(string Id, string Name, DateTimeOffset FireAt, string? TaskId, string? Error);
