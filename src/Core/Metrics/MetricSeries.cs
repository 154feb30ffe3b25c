namespace TaskScheduler.Core.Metrics;

/// <summary>The <c>data</c> of <c>GET /system/metrics</c>: each series asked for, by name, one point per bucket.</summary>
public sealed class MetricSeries() : Dictionary<string, IReadOnlyList<MetricPoint>>(StringComparer.Ordinal);
