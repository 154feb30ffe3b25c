namespace TaskScheduler.AgentProtocol;

/// <summary>The levels of decisions.md: a command's stdout is <c>info</c>, its stderr <c>error</c>.</summary>
public static class LogLevels
{
    public const string Debug = "debug";
    public const string Info = "info";
    public const string Warn = "warn";
    public const string Error = "error";

    public static IReadOnlyList<string> All { get; } = [Debug, Info, Warn, Error];
}
