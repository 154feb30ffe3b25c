using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TaskScheduler.Bench;

/// <summary>
/// Counts every request the table clients it is added to send (each retry too: it sits per retry), and, while
/// <see cref="Detailed"/> is on, keeps what each one was and how long it took.
/// </summary>
public sealed partial class StorageCallRecorder : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<StorageCall> _calls = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public bool Detailed { get; set; }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        Record(message, started);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        Record(message, started);
    }

    /// <summary>The calls recorded since the last drain.</summary>
    public IReadOnlyList<StorageCall> Drain()
    {
        var calls = new List<StorageCall>();
        while (_calls.TryDequeue(out var call))
        {
            calls.Add(call);
        }

        return calls;
    }

    private void Record(HttpMessage message, long started)
    {
        Interlocked.Increment(ref _total);
        if (Detailed)
        {
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var (kind, partition) = Classify(message.Request);
            _calls.Enqueue(new StorageCall(kind, partition, message.HasResponse ? message.Response.Status : 0, elapsed));
        }
    }

    /// <summary>What a request is, from its method and URL (the Tables REST shapes the SDK sends).</summary>
    private static (StorageCallKind Kind, string? Partition) Classify(Request request)
    {
        var path = Uri.UnescapeDataString(request.Uri.Path);
        var query = Uri.UnescapeDataString(request.Uri.Query);
        if (request.Method == RequestMethod.Post && path.EndsWith("$batch", StringComparison.Ordinal))
        {
            return (StorageCallKind.Batch, null);
        }

        if (request.Method != RequestMethod.Get)
        {
            return (StorageCallKind.Write, null);
        }

        if (path.Contains("(PartitionKey=", StringComparison.Ordinal))
        {
            return (StorageCallKind.PointRead, null);
        }

        var partition = PartitionFilter().Match(query) is { Success: true } match ? match.Groups[1].Value : null;
        if (query.Contains("RowKey ge '~n|'", StringComparison.Ordinal))
        {
            return (StorageCallKind.CounterQuery, partition);
        }

        return query.Contains("NextRowKey", StringComparison.OrdinalIgnoreCase)
            ? (StorageCallKind.KeyRangeContinuation, partition)
            : (StorageCallKind.KeyRangeQuery, partition);
    }

    [GeneratedRegex("PartitionKey eq '([^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex PartitionFilter();
}

public enum StorageCallKind
{
    CounterQuery,
    KeyRangeQuery,
    KeyRangeContinuation,
    PointRead,
    Batch,
    Write,
}

/// <summary>One storage request: what it was, which index partition it read (for queries), and its round trip.</summary>
public sealed record StorageCall(StorageCallKind Kind, string? Partition, int Status, double Milliseconds);
