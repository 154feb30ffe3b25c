using System.Diagnostics;
using System.Net.Http.Json;

namespace TaskScheduler.DispatchBench;

/// <summary>The requests the proxy counted in one window, per request name, and how long the window lasted.</summary>
public sealed record CountWindow(string Name, double Seconds, Dictionary<string, long> Counts)
{
    public long Total => Counts.Values.Sum();

    /// <summary>Requests per minute of each name.</summary>
    public Dictionary<string, double> PerMinute() => Counts.ToDictionary(c => c.Key, c => c.Value * 60 / Seconds, StringComparer.Ordinal);

    /// <summary>
    /// Per task: this window's counts minus the background (<paramref name="idle"/>'s rate over this window's
    /// length), divided by <paramref name="tasks"/>.
    /// </summary>
    public Dictionary<string, double> PerTask(CountWindow idle, int tasks) =>
        Counts.Keys.Union(idle.Counts.Keys).ToDictionary(
            key => key,
            key => (Counts.GetValueOrDefault(key) - (idle.Counts.GetValueOrDefault(key) * Seconds / idle.Seconds)) / tasks,
            StringComparer.Ordinal);
}

/// <summary>Reads the counting proxy's counts and measures windows as differences of two snapshots.</summary>
public sealed class ProxyCounts(string controlUrl) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(controlUrl), Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _http.Dispose();

    public async Task<Dictionary<string, long>> SnapshotAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<Dictionary<string, long>>("counts", cancellationToken) ?? [];

    /// <summary>Counts what <paramref name="during"/> causes, from a snapshot before it to one after it.</summary>
    public async Task<CountWindow> MeasureAsync(string name, Func<Task> during, CancellationToken cancellationToken)
    {
        var before = await SnapshotAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        await during();
        var seconds = clock.Elapsed.TotalSeconds;
        var after = await SnapshotAsync(cancellationToken);
        var counts = after
            .Select(a => (a.Key, Count: a.Value - before.GetValueOrDefault(a.Key)))
            .Where(a => a.Count != 0)
            .ToDictionary(a => a.Key, a => a.Count, StringComparer.Ordinal);
        return new CountWindow(name, seconds, counts);
    }
}
