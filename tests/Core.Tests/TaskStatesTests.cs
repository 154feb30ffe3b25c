using TaskScheduler.Core.Tasks;
using Xunit;

namespace TaskScheduler.Core.Tests;

public class TaskStatesTests
{
    [Theory]
    [InlineData(TaskState.Pending, TaskState.Queued, true)]
    [InlineData(TaskState.Queued, TaskState.Running, true)]
    [InlineData(TaskState.Running, TaskState.Completed, true)]
    [InlineData(TaskState.Running, TaskState.Pending, true)]
    [InlineData(TaskState.Failed, TaskState.Pending, true)]
    [InlineData(TaskState.Cancelled, TaskState.Pending, true)]
    [InlineData(TaskState.Completed, TaskState.Pending, false)]
    [InlineData(TaskState.Pending, TaskState.Running, false)]
    [InlineData(TaskState.Pending, TaskState.Completed, false)]
    [InlineData(TaskState.Failed, TaskState.Running, false)]
    public void CanMove_follows_the_state_machine(TaskState from, TaskState to, bool allowed) =>
        Assert.Equal(allowed, TaskStates.CanMove(from, to));

    [Fact]
    public void Actions_are_allowed_only_in_the_states_decisions_md_names()
    {
        Assert.Equal([TaskState.Pending, TaskState.Queued, TaskState.Running], TaskStates.All.Where(s => s.CanCancel()));
        Assert.Equal([TaskState.Failed, TaskState.Cancelled], TaskStates.All.Where(s => s.CanRetry()));
        Assert.Equal([TaskState.Pending], TaskStates.All.Where(s => s.CanReschedule()));
        Assert.Equal([TaskState.Running], TaskStates.All.Where(s => s.AcceptsCheckpoint()));
    }

    [Fact]
    public void Wire_names_round_trip()
    {
        foreach (var state in TaskStates.All)
        {
            Assert.True(TaskStates.TryParse(state.ToWire(), out var parsed));
            Assert.Equal(state, parsed);
        }

        Assert.False(TaskStates.TryParse("Pending", out _));
        Assert.False(TaskStates.TryParse("done", out _));
    }
}
