using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using TaskScheduler.Core.Storage;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Bench;

/// <summary>
/// After the HTTP run (SelfHost stopped): counts the task rows per status and compares them with the index
/// counters a listing reports as its total. A create the client gave up on (a timeout) must leave either no task
/// or a fully indexed one; a difference here is a task that exists but no listing shows, or a count without a task.
/// </summary>
public sealed partial class ConsistencyCheck(BenchOptions options, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<ConsistencyCheck>();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var bench = await BenchStorage.OpenAsync(options.Storage, options.Prefix, loggerFactory, cancellationToken);
        var rows = TaskStates.All.ToDictionary(s => s.ToWire(), _ => 0L, StringComparer.Ordinal);
        await foreach (var task in bench.Storage.Table(TableNames.Tasks).QueryAsync<TableEntity>(
            select: [nameof(TaskEntity.Status)], maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            var status = task.GetString(nameof(TaskEntity.Status));
            rows[status] = rows.GetValueOrDefault(status) + 1;
        }

        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in TaskStates.All)
        {
            counters[status.ToWire()] = await bench.Index.CountAsync(TaskIndexKeys.StatusPartition(status), cancellationToken);
        }

        var match = rows.All(r => counters[r.Key] == r.Value);
        foreach (var (status, count) in rows)
        {
            LogStatus(_logger, status, count, counters[status]);
        }

        await Results.WriteAsync(options, Results.Consistency, new ConsistencyResult(rows, counters, match));
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Status {Status}: {Rows} task rows, counter says {Counted}")]
    private static partial void LogStatus(ILogger logger, string status, long rows, long counted);
}
