using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;
using TaskScheduler.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace TaskScheduler.Security.Tests;

/// <summary>A SelfHost of its own for the fuzz test, so no other test changes its tasks meanwhile.</summary>
public sealed class FuzzHost : SecuredHost;

/// <summary>
/// Fires generated malformed requests at SelfHost: wrong types, huge and deeply nested JSON, invalid UTF-8, control
/// characters, quote and OData tricks in every parameter, random methods and paths, bad credentials. None may get
/// a 5xx, every reply must be the envelope, and the stored tasks must be exactly as they were before.
/// </summary>
public class FuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    private const int Requests = 12_000;
    private const int Concurrency = 8;

    [Fact]
    public async Task Malformed_requests_get_no_5xx_only_envelopes_and_change_no_task()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 20261125;
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await host.Api.CreateTaskAsync(new { name = $"fuzz target {i}", command = "true", scheduled_at = DateTimeOffset.UtcNow.AddDays(300), tags = new[] { "fuzz" }, checkpoint_enabled = true })).GetProperty("id").GetString()!);
        }

        var tiny = await host.Api.CreateApiKeyAsync("fuzz tiny", ["admin"], "tiny");
        var tasks = new SchedulerStorage(
            new TableServiceClient(TestStorage.ConnectionString),
            new Azure.Storage.Queues.QueueServiceClient(TestStorage.ConnectionString),
            Microsoft.Extensions.Options.Options.Create(new StorageOptions { StoragePrefix = host.Host.Prefix })).Table(TableNames.Tasks);

        // The new tasks' orchestrations settle (register, then wait on their far timer) before the snapshot.
        var before = await SnapshotAsync(tasks);
        await Poll.UntilAsync(
            async () =>
            {
                await Task.Delay(1000);
                var now = await SnapshotAsync(tasks);
                var settled = now == before;
                before = now;
                return settled;
            },
            settled => settled,
            TimeSpan.FromSeconds(30),
            "the tasks to settle");

        var generator = new RequestGenerator(seed, ids, host.Host.AdminKey, tiny, host.Reader, host.Worker);
        var requests = Enumerable.Range(0, Requests).Select(_ => generator.Next()).ToList();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var sent = 0;
        var closedOnOversize = 0;
        var clock = Stopwatch.StartNew();
        using var client = host.Client(null);
        client.DefaultRequestHeaders.Accept.Clear();
        client.Timeout = TimeSpan.FromSeconds(60);

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (fuzz, _) =>
        {
            using var request = fuzz.ToRequest();
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (HttpRequestException ex) when (fuzz.Body is { Length: > 1024 * 1024 } && ex.InnerException is IOException)
            {
                // HTTP/1.1 lets a server refuse a body over its limit by answering 413 and closing while the client
                // is still sending; the client may then see the closed connection instead of the reply. A refusal all
                // the same: the snapshot below proves it changed nothing.
                Interlocked.Increment(ref closedOnOversize);
                return;
            }
            catch (HttpRequestException ex)
            {
                failures.Enqueue($"{fuzz}: no reply ({ex.Message} {ex.InnerException?.Message})");
                return;
            }

            using (response)
            {
                Interlocked.Increment(ref sent);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var body = await response.Content.ReadAsByteArrayAsync();
                var problem = Judge(fuzz, status, response, body);
                if (problem is not null)
                {
                    failures.Enqueue($"{fuzz} -> {status}: {problem}; body: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}");
                }
            }
        });

        var after = await SnapshotAsync(tasks);
        output.WriteLine($"seed {seed}: {sent} replies in {clock.Elapsed.TotalSeconds:0.0} s at concurrency {Concurrency}; statuses: " +
            string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")) + $"; oversized bodies cut off by a close: {closedOnOversize}");
        Assert.True(failures.IsEmpty, $"{failures.Count} bad replies (seed {seed}), e.g.:{Environment.NewLine}{string.Join(Environment.NewLine, failures.OrderBy(f => f.Contains("-> 4", StringComparison.Ordinal)).Take(15))}{Environment.NewLine}SelfHost said:{Environment.NewLine}{host.Host.RecentOutput}");
        Assert.True(sent >= 10_000, $"only {sent} requests were answered");
        Assert.Equal(before, after);
    }

    /// <summary>Null when the reply is acceptable; otherwise what is wrong with it.</summary>
    private static string? Judge(FuzzRequest fuzz, int status, HttpResponseMessage response, byte[] body)
    {
        if (status >= 500)
        {
            return "a server error";
        }

        // Routing matches methods case-insensitively, as HTTP servers commonly do.
        var method = fuzz.Method.ToUpperInvariant();
        if (method == "HEAD")
        {
            return body.Length == 0 ? null : "a body on a HEAD reply";
        }

        if (status is >= 200 and < 300 && method != "GET")
        {
            return "a change was accepted (every generated change is invalid by construction)";
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return $"content type {response.Content.Headers.ContentType}";
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }

            if (status >= 400)
            {
                return root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                    && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                    && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                    && !root.TryGetProperty("data", out _)
                    ? null
                    : "not the error envelope";
            }

            return root.TryGetProperty("data", out _) && !root.TryGetProperty("error", out _) ? null : "not the success envelope";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }

    /// <summary>Every task row, every property, with its ETag: any write would show.</summary>
    private static async Task<string> SnapshotAsync(TableClient tasks)
    {
        var rows = new List<string>();
        await foreach (var row in tasks.QueryAsync<TableEntity>())
        {
            rows.Add($"{row.PartitionKey}|{row.ETag}|" + string.Join(";", row.Keys.Where(k => k != "Timestamp").Order(StringComparer.Ordinal).Select(k => $"{k}={row[k]}")));
        }

        return string.Join(Environment.NewLine, rows.Order(StringComparer.Ordinal));
    }
}
