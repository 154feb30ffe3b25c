using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace TaskScheduler.ServiceDefaults;

/// <summary>
/// The app's own spans and instruments. A task's trace starts with the request that created it; its context is kept
/// on the task row and in each dispatch message, so the dispatch (in the orchestration's activity), the agent's run
/// and every call the agent makes join that one trace.
/// </summary>
public static class SchedulerTelemetry
{
    public const string Name = "TaskScheduler";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> TasksCreated = Meter.CreateCounter<long>("taskscheduler.tasks.created");

    public static readonly Counter<long> AttemptsDispatched = Meter.CreateCounter<long>("taskscheduler.attempts.dispatched");

    public static readonly Counter<long> AttemptsEnded = Meter.CreateCounter<long>("taskscheduler.attempts.ended");

    /// <summary>The W3C <c>traceparent</c> of the current span, to store beside what it started.</summary>
    public static string? CurrentTraceParent => Activity.Current?.Id;

    /// <summary>Starts a span under a stored <c>traceparent</c> (or a new trace when there is none).</summary>
    public static Activity? StartLinked(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal) =>
        ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
}
