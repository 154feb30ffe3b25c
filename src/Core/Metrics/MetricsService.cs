using System.Globalization;
using Microsoft.Extensions.Primitives;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Core.Metrics;

/// <summary>
/// <c>GET /system/metrics</c> per decisions.md: <c>period</c> is the bucket width (hour: last 24, day: 30, week: 12,
/// month: 12); series <c>task_completion_rate</c> (completed per bucket), <c>error_rate</c> (failed / finished) and
/// <c>average_execution_time</c> (seconds); <c>metrics</c> picks a subset. Every bucket is present, empty ones as 0.
/// </summary>
public sealed class MetricsService(MetricsStore store, TimeProvider clock)
{
    public const string CompletionRate = "task_completion_rate";
    public const string ErrorRate = "error_rate";
    public const string AverageExecutionTime = "average_execution_time";

    private static readonly string[] Allowed = ["period", "metrics"];
    public static IReadOnlyList<string> AllSeries { get; } = [CompletionRate, ErrorRate, AverageExecutionTime];
    public static IReadOnlyCollection<string> PeriodNames => Periods.Keys;

    private static readonly Dictionary<string, string> Periods = new(StringComparer.Ordinal)
    {
        ["hour"] = "hour",
        ["day"] = "day",
        ["week"] = "week",
        ["month"] = "month",
    };

    public async Task<(MetricSeries Data, MetricsWindow Meta)> GetAsync(IEnumerable<KeyValuePair<string, StringValues>> query, CancellationToken cancellationToken)
    {
        var parameters = QueryParameters.Parse(query, Allowed);
        var period = parameters.GetChoice("period", "hour", Periods);
        var wanted = ParseSeries(parameters.GetString("metrics"));
        var now = clock.GetUtcNow().UtcDateTime;
        var starts = BucketStarts(period, now);
        var buckets = await ReadBucketsAsync(period, starts, now, cancellationToken);

        var data = new MetricSeries();
        foreach (var series in wanted)
        {
            data[series] = starts.Select((start, i) => new MetricPoint(new DateTimeOffset(start, TimeSpan.Zero), Value(series, buckets[i]))).ToList();
        }

        return (data, new MetricsWindow(period, new DateTimeOffset(starts[0], TimeSpan.Zero), new DateTimeOffset(starts[^1], TimeSpan.Zero)));
    }

    /// <summary>Today's (UTC) finished counts, for the status page.</summary>
    public async Task<MetricsStore.Bucket> TodayAsync(CancellationToken cancellationToken)
    {
        var key = MetricsStore.DayKey(clock.GetUtcNow());
        var buckets = await store.ReadAsync(MetricsStore.DayPartition, key, key, cancellationToken);
        return buckets.GetValueOrDefault(key);
    }

    private static List<string> ParseSeries(string? value)
    {
        if (value is null)
        {
            return [.. AllSeries];
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        var unknown = names.FirstOrDefault(n => !AllSeries.Contains(n));
        if (names.Count == 0 || unknown is not null)
        {
            throw ApiException.InvalidParameter("metrics", $"must be a comma-separated list of: {string.Join(", ", AllSeries)}");
        }

        return names;
    }

    private static double Value(string series, MetricsStore.Bucket bucket) => series switch
    {
        CompletionRate => bucket.Completed,
        ErrorRate => bucket.Completed + bucket.Failed == 0 ? 0 : Math.Round((double)bucket.Failed / (bucket.Completed + bucket.Failed), 4),
        _ => bucket.DurationCount == 0 ? 0 : Math.Round(bucket.DurationSeconds / bucket.DurationCount, 3),
    };

    private static List<DateTime> BucketStarts(string period, DateTime now)
    {
        var today = now.Date;
        return period switch
        {
            "hour" => Enumerable.Range(0, 24).Select(i => new DateTime(now.Year, now.Month, now.Day, now.Hour, 0, 0, DateTimeKind.Utc).AddHours(i - 23)).ToList(),
            "day" => Enumerable.Range(0, 30).Select(i => today.AddDays(i - 29)).ToList(),
            "week" => Enumerable.Range(0, 12).Select(i => WeekStart(today).AddDays(7 * (i - 11))).ToList(),
            _ => Enumerable.Range(0, 12).Select(i => new DateTime(today.Year, today.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(i - 11)).ToList(),
        };
    }

    /// <summary>Weeks start on Monday (ISO 8601).</summary>
    private static DateTime WeekStart(DateTime day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    private async Task<MetricsStore.Bucket[]> ReadBucketsAsync(string period, List<DateTime> starts, DateTime now, CancellationToken cancellationToken)
    {
        if (period == "hour")
        {
            var hours = await store.ReadAsync(MetricsStore.HourPartition, MetricsStore.HourKey(starts[0]), MetricsStore.HourKey(now), cancellationToken);
            return starts.Select(s => hours.GetValueOrDefault(MetricsStore.HourKey(s))).ToArray();
        }

        var days = await store.ReadAsync(MetricsStore.DayPartition, MetricsStore.DayKey(starts[0]), MetricsStore.DayKey(now), cancellationToken);
        var result = new MetricsStore.Bucket[starts.Count];
        foreach (var (key, bucket) in days)
        {
            var day = DateTime.ParseExact(key, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            var index = starts.FindLastIndex(s => s <= day);
            if (index >= 0)
            {
                result[index] += bucket;
            }
        }

        return result;
    }
}

/// <summary>One point of a series.</summary>
public sealed record MetricPoint(DateTimeOffset Timestamp, double Value);
