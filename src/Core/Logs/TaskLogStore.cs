using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.AgentProtocol;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Logs;

/// <summary>
/// A task's log: one row per appended batch (PartitionKey = task id, RowKey = arrival ticks + a random suffix),
/// the lines as JSON, so a batch of hundreds of lines is one storage call.
/// </summary>
public sealed class TaskLogStore(SchedulerStorage storage, TimeProvider clock)
{
    /// <summary>The bound of one task's log (documented in docs/api.md, "Logs").</summary>
    public const int MaxLinesPerTask = 50_000;

    private const string CounterRowKey = "~count";

    /// <summary>30 rows of up to 30,000 characters stay well inside a transaction's 4 MiB.</summary>
    private const int RowsPerTransaction = 30;
    private const string CountProperty = "LineCount";

    /// <summary>Stays under the 32K-character limit of a string property.</summary>
    private const int MaxRowChars = 30_000;

    /// <summary>Lines are measured as serialized, so escaping can never push a row past the property limit.</summary>
    private static readonly JsonSerializerOptions LineJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly TableClient _table = storage.Table(TableNames.TaskLogs);

    /// <summary>
    /// Appends lines, at most <see cref="MaxLinesPerTask"/> per task: the rows and the task's line counter change in
    /// one entity-group transaction under the counter's ETag. Past the bound, one <c>warn</c> line says so and later
    /// lines are dropped (the command and its result are unaffected).
    /// </summary>
    public async Task AppendAsync(string taskId, IReadOnlyList<LogEntry> entries, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var counter = await _table.GetEntityIfExistsAsync<TableEntity>(taskId, CounterRowKey, cancellationToken: cancellationToken);
            var stored = counter.HasValue ? counter.Value!.GetInt64(CountProperty) ?? 0 : 0;
            if (stored >= MaxLinesPerTask || entries.Count == 0)
            {
                return;
            }

            var accepted = entries.Take((int)Math.Min(entries.Count, MaxLinesPerTask - stored)).ToList();
            if (accepted.Count < entries.Count)
            {
                accepted.Add(new LogEntry(entries[accepted.Count].Timestamp, LogLevels.Warn, $"Log limit of {MaxLinesPerTask} lines reached; later lines of this task are dropped.", entries[accepted.Count].Attempt));
            }

            // A transaction carries at most 4 MiB: rows go in chunks, the counter with the first one (an append
            // cut short by a crash after it leaves the count slightly high, never the bound exceeded).
            var chunks = Rows(taskId, accepted).Chunk(RowsPerTransaction).ToList();
            var newCounter = new TableEntity(taskId, CounterRowKey) { [CountProperty] = stored + accepted.Count };
            var first = chunks[0].Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)).ToList();
            first.Add(counter.HasValue
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, newCounter, counter.Value!.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, newCounter));
            try
            {
                await _table.SubmitTransactionAsync(first, cancellationToken);
                foreach (var chunk in chunks.Skip(1))
                {
                    await _table.SubmitTransactionAsync(chunk.Select(row => new TableTransactionAction(TableTransactionActionType.Add, row)), cancellationToken);
                }

                return;
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 && attempt < 10)
            {
                // Another batch of the same task landed first: count again.
            }
        }
    }

    private List<TableEntity> Rows(string taskId, IReadOnlyList<LogEntry> entries)
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

        return rows;
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
            if (row.RowKey == CounterRowKey)
            {
                continue;
            }

            lines.AddRange(JsonSerializer.Deserialize<List<LogEntry>>(row.GetString("Lines") ?? "[]", LineJson) ?? []);
        }

        return lines;
    }

    public Task DeleteAllAsync(string taskId, CancellationToken cancellationToken) =>
        _table.DeletePartitionAsync(taskId, cancellationToken);

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
