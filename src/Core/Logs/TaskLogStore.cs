using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Logs;

/// <summary>
/// A task's log: one row per appended batch (PartitionKey = task id, RowKey = arrival ticks + a random suffix),
/// the lines as JSON, so a batch of hundreds of lines is one storage call.
/// </summary>
public sealed class TaskLogStore(SchedulerStorage storage, TimeProvider clock)
{
    /// <summary>Stays under the 32K-character limit of a string property.</summary>
    private const int MaxRowChars = 30_000;

    /// <summary>Lines are measured as serialized, so escaping can never push a row past the property limit.</summary>
    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TableClient _table = storage.Table(TableNames.TaskLogs);

    public async Task AppendAsync(string taskId, IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken)
    {
        var rows = new List<TableEntity>();
        var batch = new List<string>();
        var size = 2;
        foreach (var entry in entries)
        {
            var json = Serialize(entry);
            if (batch.Count > 0 && size + json.Length + 1 > MaxRowChars)
            {
                rows.Add(Row(taskId, batch, rows.Count));
                batch = [];
                size = 2;
            }

            batch.Add(json);
            size += json.Length + 1;
        }

        if (batch.Count > 0)
        {
            rows.Add(Row(taskId, batch, rows.Count));
        }

        // All rows of one append share the partition: one entity-group transaction per 100 rows.
        foreach (var chunk in rows.Chunk(100))
        {
            await _table.SubmitTransactionAsync(chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)), cancellationToken);
        }
    }

    public Task AppendAsync(string taskId, LogEntry entry, CancellationToken cancellationToken) =>
        AppendAsync(taskId, [entry], cancellationToken);

    /// <summary>Every line of a task in arrival order.</summary>
    public async Task<IReadOnlyList<LogEntry>> ReadAllAsync(string taskId, CancellationToken cancellationToken)
    {
        var lines = new List<LogEntry>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {taskId}");
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            lines.AddRange(JsonSerializer.Deserialize<List<LogEntry>>(row.GetString("Lines") ?? "[]", LineJson) ?? []);
        }

        return lines;
    }

    public async Task DeleteAllAsync(string taskId, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {taskId}");
        var keys = new List<string>();
        await foreach (var row in _table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            keys.Add(row.RowKey);
        }

        foreach (var chunk in keys.Chunk(100))
        {
            await _table.SubmitTransactionAsync(
                chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(taskId, key), ETag.All)),
                cancellationToken);
        }
    }

    /// <summary>One line as JSON; a line that escaping makes too long for a row is cut (marked) until it fits.</summary>
    private static string Serialize(LogEntry entry)
    {
        var json = JsonSerializer.Serialize(entry, LineJson);
        while (json.Length > MaxRowChars - 2)
        {
            entry = entry with { Message = entry.Message[..(entry.Message.Length / 2)] + " [truncated]" };
            json = JsonSerializer.Serialize(entry, LineJson);
        }

        return json;
    }

    private TableEntity Row(string taskId, List<string> lines, int index) => new(
        taskId,
        string.Create(CultureInfo.InvariantCulture, $"{clock.GetUtcNow().UtcTicks:D19}-{Random.Shared.Next(0x10000):x4}-{index:D4}"))
    {
        ["Lines"] = "[" + string.Join(',', lines) + "]",
        ["Count"] = lines.Count,
    };
}
