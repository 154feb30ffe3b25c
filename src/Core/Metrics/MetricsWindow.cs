namespace TaskScheduler.Core.Metrics;

/// <summary>The <c>meta</c> of <c>GET /system/metrics</c>: the bucket width and the first and last bucket's start.</summary>
public sealed record MetricsWindow(string Period, DateTimeOffset StartTime, DateTimeOffset EndTime);
