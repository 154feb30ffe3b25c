using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Core.Workflow;

/// <summary>A dependency ended: its id and terminal status.</summary>
public sealed record DependencyFinished(string TaskId, TaskState Status);
