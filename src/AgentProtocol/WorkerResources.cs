namespace TaskScheduler.AgentProtocol;

/// <summary>Fractions 0..1 of the agent machine's CPU, memory and disk in use; a missing one counts as 0.</summary>
public sealed record WorkerResources(double? CpuUsage = null, double? MemoryUsage = null, double? DiskUsage = null);
