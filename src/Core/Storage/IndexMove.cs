namespace TaskScheduler.Core.Storage;

/// <summary>
/// A task's index change for one write of its row (<see cref="TaskIndex.Plan"/>): the partitions it enters, written
/// before the row, and the rest, written after.
/// </summary>
public sealed record IndexMove(IReadOnlyList<TaskIndex.PartitionChange> Entering, IReadOnlyList<TaskIndex.PartitionChange> Settling)
{
    /// <summary>Whether the move enters any partition (else there is nothing to take back when the row's write fails).</summary>
    public bool Enters => Entering.Count > 0;
}
