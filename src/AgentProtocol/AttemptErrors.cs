using System.Globalization;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// The words of an error both sides may report for the same event, so a task's <c>error</c> reads the same whether
/// the agent stopped the command on its own clock or the scheduler gave up on it.
/// </summary>
public static class AttemptErrors
{
    public static string TimedOut(int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"Timed out after {seconds} s; the process was stopped.");
}
