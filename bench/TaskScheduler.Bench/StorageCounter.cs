using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TaskScheduler.Bench;

/// <summary>Which storage service a proxy port fronts.</summary>
public enum StorageService
{
    Blob,
    Queue,
    Table,
}

/// <summary>
/// Names one Azure Storage request as <c>source/service/owner/resource/operation</c>, e.g.
/// <c>selfhost/table/app/tasks/read</c> or <c>selfhost/queue/engine/control-00/receive</c>, from its method, path
/// and query (and, for a table batch, the first request inside it). The owner is <c>app</c> for the scheduler's
/// tables and queues (<c>{prefix}tasks</c>, <c>{prefix}tasks-high</c>, ...), <c>engine</c> for the task hub's
/// (named after <c>{prefix}hub</c>: <c>...History</c>, <c>...-control-00</c>, <c>...-leases</c>), and
/// <c>other</c> for anything else.
/// </summary>
public sealed partial class StorageRequestClassifier(IEnumerable<string> prefixes)
{
    private readonly string[] _prefixes = prefixes
        .Where(p => p.Length > 0)
        .Select(p => p.ToLowerInvariant())
        .OrderByDescending(p => p.Length)
        .ToArray();

    public string Classify(string source, StorageService service, string method, string path, string query, IReadOnlyDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        // Path style on Azurite: /{account}/{resource}/...
        var segments = Uri.UnescapeDataString(path).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var (resource, operation) = service switch
        {
            StorageService.Table => Table(method, segments, query, body),
            StorageService.Queue => Queue(method, segments, query),
            _ => Blob(method, segments, query, headers),
        };
        var (owner, name) = Owner(resource);
        return $"{source}/{service.ToString().ToLowerInvariant()}/{owner}/{name}/{operation}";
    }

    /// <summary>Splits a table, queue or container name into its owner and its name without the system's prefix.</summary>
    public (string Owner, string Name) Owner(string resource)
    {
        if (resource.Length == 0)
        {
            return ("account", "-");
        }

        var lower = resource.ToLowerInvariant();
        foreach (var prefix in _prefixes)
        {
            var hub = prefix + "hub";
            if (lower.StartsWith(hub, StringComparison.Ordinal))
            {
                var rest = resource[hub.Length..].TrimStart('-');
                return ("engine", rest.StartsWith("control-", StringComparison.OrdinalIgnoreCase) ? "control" : rest);
            }

            if (lower.StartsWith(prefix, StringComparison.Ordinal))
            {
                return ("app", resource[prefix.Length..]);
            }
        }

        return ("other", resource);
    }

    private static (string Resource, string Operation) Table(string method, string[] segments, string query, ReadOnlySpan<byte> body)
    {
        if (segments.Length < 2)
        {
            return (string.Empty, method.ToLowerInvariant());
        }

        var target = segments[1];
        if (target == "$batch")
        {
            // A multipart body whose parts are requests like "PUT http://host/account/table(PartitionKey=...)".
            var match = BatchTarget().Match(Encoding.UTF8.GetString(body));
            return (match.Success ? match.Groups[1].Value : string.Empty, "batch");
        }

        if (target.StartsWith("Tables", StringComparison.Ordinal))
        {
            var named = TableInParentheses().Match(target);
            return (named.Success ? named.Groups[1].Value : string.Empty, "table-admin");
        }

        var open = target.IndexOf('(', StringComparison.Ordinal);
        var table = open < 0 ? target : target[..open];
        var pointed = open >= 0 && target.Contains("PartitionKey=", StringComparison.Ordinal);
        var operation = (method, pointed) switch
        {
            ("GET", true) => "read",
            ("GET", false) => query.Contains("NextPartitionKey", StringComparison.Ordinal) || query.Contains("NextRowKey", StringComparison.Ordinal) ? "query-next" : "query",
            ("DELETE", _) => "delete",
            ("POST", false) => "insert",
            _ => "write",
        };
        return (table, operation);
    }

    private static (string Resource, string Operation) Queue(string method, string[] segments, string query)
    {
        if (segments.Length < 2)
        {
            return (string.Empty, query.Contains("comp=list", StringComparison.Ordinal) ? "list" : method.ToLowerInvariant());
        }

        var queue = segments[1];
        var operation = (segments.Length, method) switch
        {
            (>= 4, "DELETE") => "delete",
            (>= 4, "PUT") => "update",
            (3, "GET") => query.Contains("peekonly=true", StringComparison.OrdinalIgnoreCase) ? "peek" : "receive",
            (3, "POST") => "put",
            (3, "DELETE") => "clear",
            (2, "PUT") => query.Contains("comp=metadata", StringComparison.Ordinal) ? "metadata" : "create",
            (2, "GET" or "HEAD") => "properties",
            (2, "DELETE") => "delete-queue",
            _ => method.ToLowerInvariant(),
        };
        return (queue, operation);
    }

    private static (string Resource, string Operation) Blob(string method, string[] segments, string query, IReadOnlyDictionary<string, string> headers)
    {
        if (segments.Length < 2)
        {
            return (string.Empty, query.Contains("comp=list", StringComparison.Ordinal) ? "list" : method.ToLowerInvariant());
        }

        var container = segments[1];
        if (query.Contains("comp=lease", StringComparison.Ordinal))
        {
            return (container, "lease-" + (headers.TryGetValue("x-ms-lease-action", out var action) ? action : "?"));
        }

        var isContainer = segments.Length == 2;
        var operation = (isContainer, method) switch
        {
            (true, _) when query.Contains("comp=list", StringComparison.Ordinal) => "list",
            (true, "PUT") => "create-container",
            (true, "DELETE") => "delete-container",
            (true, _) => "container-properties",
            (false, "GET") => "read",
            (false, "HEAD") => "properties",
            (false, "PUT") => query.Contains("comp=metadata", StringComparison.Ordinal) ? "metadata" : "write",
            (false, "DELETE") => "delete",
            _ => method.ToLowerInvariant(),
        };
        return (container, operation);
    }

    [GeneratedRegex(@"(?:GET|PUT|POST|PATCH|MERGE|DELETE) https?://[^/\s]+/[^/\s]+/([A-Za-z0-9]+)", RegexOptions.CultureInvariant)]
    private static partial Regex BatchTarget();

    [GeneratedRegex(@"Tables\('([^']+)'\)", RegexOptions.CultureInvariant)]
    private static partial Regex TableInParentheses();
}

/// <summary>One storage request as <see cref="StorageCounter"/> keeps it while detailed: its name, query string and round trip.</summary>
public sealed record StorageCall(string Key, string Query, double Milliseconds);

/// <summary>
/// Counts storage requests by the name <see cref="StorageRequestClassifier"/> gives them: fed by the counting proxy
/// (<see cref="Count"/>) or, added to an Azure SDK client's pipeline per retry, by the bench's own in-process calls.
/// While <see cref="Detailed"/> is on it also keeps each call with its round trip.
/// </summary>
public sealed class StorageCounter(StorageRequestClassifier classifier, string source = "bench") : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<StorageCall> _calls = new();
    private long _total;

    public StorageRequestClassifier Classifier => classifier;

    public long Total => Interlocked.Read(ref _total);

    public bool Detailed { get; set; }

    public void Count(string key, string query = "", double milliseconds = 0)
    {
        _counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
        if (Detailed)
        {
            _calls.Enqueue(new StorageCall(key, query, milliseconds));
        }
    }

    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    /// <summary>The detailed calls since the last drain.</summary>
    public IReadOnlyList<StorageCall> Drain()
    {
        var calls = new List<StorageCall>();
        while (_calls.TryDequeue(out var call))
        {
            calls.Add(call);
        }

        return calls;
    }

    /// <summary>Counts what <paramref name="during"/> causes, from a snapshot before it to one after it.</summary>
    public async Task<CountWindow> MeasureAsync(string name, Func<Task> during)
    {
        var before = Snapshot();
        var clock = Stopwatch.StartNew();
        await during();
        var seconds = clock.Elapsed.TotalSeconds;
        return new CountWindow(name, seconds, Since(before));
    }

    /// <summary>The counts added since <paramref name="before"/>.</summary>
    public Dictionary<string, long> Since(Dictionary<string, long> before) => Snapshot()
        .Select(a => (a.Key, Count: a.Value - before.GetValueOrDefault(a.Key)))
        .Where(a => a.Count != 0)
        .ToDictionary(a => a.Key, a => a.Count, StringComparer.Ordinal);

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

    private void Record(HttpMessage message, long started)
    {
        var request = message.Request;
        var body = request.Content is { } content && request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) ? Bytes(content) : [];
        var query = request.Uri.Query;
        var key = classifier.Classify(source, StorageService.Table, request.Method.Method, request.Uri.Path, query, new Dictionary<string, string>(), body);
        Count(key, Uri.UnescapeDataString(query), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static byte[] Bytes(RequestContent content)
    {
        using var buffer = new MemoryStream();
        content.WriteTo(buffer, CancellationToken.None);
        return buffer.ToArray();
    }
}

/// <summary>The requests counted in one window, per request name, and how long the window lasted.</summary>
public sealed record CountWindow(string Name, double Seconds, Dictionary<string, long> Counts)
{
    public long Total => Counts.Values.Sum();

    public Dictionary<string, double> PerMinute() => Counts.ToDictionary(c => c.Key, c => c.Value * 60 / Seconds, StringComparer.Ordinal);

    /// <summary>Per task: this window's counts minus <paramref name="idle"/>'s rate over this window's length, divided by <paramref name="tasks"/>.</summary>
    public Dictionary<string, double> PerTask(CountWindow idle, int tasks) =>
        Counts.Keys.Union(idle.Counts.Keys).ToDictionary(
            key => key,
            key => (Counts.GetValueOrDefault(key) - (idle.Counts.GetValueOrDefault(key) * Seconds / idle.Seconds)) / tasks,
            StringComparer.Ordinal);
}
