using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using TaskScheduler.Core.Storage;

namespace TaskScheduler.Core.Schedules;

/// <summary>A schedule as stored, with the ETag its next write must present.</summary>
public sealed record StoredSchedule(ScheduleItem Schedule, ETag ETag);

/// <summary>
/// The <c>schedules</c> table (one row per schedule, the schedule as JSON: nothing queries its fields but the
/// repair sweep's <c>NextFireAt</c>, kept as a column too) and <c>scheduleruns</c> (the tasks each one made). Every
/// write of an existing schedule presents the ETag it read.
/// </summary>
public sealed class ScheduleRepository(SchedulerStorage storage)
{
    private const string RowKey = "";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly TableClient _schedules = storage.Table(TableNames.Schedules);
    private readonly TableClient _runs = storage.Table(TableNames.ScheduleRuns);

    public async Task<StoredSchedule?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await _schedules.GetEntityIfExistsAsync<TableEntity>(id, RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    public async Task<IReadOnlyList<ScheduleItem>> ListAsync(CancellationToken cancellationToken)
    {
        var all = new List<ScheduleItem>();
        await foreach (var row in _schedules.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            all.Add(FromEntity(row).Schedule);
        }

        return all;
    }

    public async Task InsertAsync(ScheduleItem schedule, CancellationToken cancellationToken) =>
        await _schedules.AddEntityAsync(ToEntity(schedule), cancellationToken);

    /// <summary>Writes <paramref name="schedule"/> over the row read with <paramref name="etag"/>; a 412 means someone wrote in between.</summary>
    public async Task<StoredSchedule> ReplaceAsync(ScheduleItem schedule, ETag etag, CancellationToken cancellationToken)
    {
        var response = await _schedules.UpdateEntityAsync(ToEntity(schedule), etag, TableUpdateMode.Replace, cancellationToken);
        return new StoredSchedule(schedule, response.Headers.ETag ?? throw new InvalidOperationException("Table Storage returned no ETag."));
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        // The SDK answers a missing entity with its 404 response instead of throwing.
        var response = await _schedules.DeleteEntityAsync(id, RowKey, ETag.All, cancellationToken);
        return response.Status != 404;
    }

    /// <summary>Remembers that a firing made a task; idempotent (a repeated firing writes the same row).</summary>
    public async Task AddRunAsync(string scheduleId, DateTimeOffset fireAt, string taskId, CancellationToken cancellationToken) =>
        await _runs.UpsertEntityAsync(
            new TableEntity(scheduleId, RunRowKey(fireAt, taskId)) { ["TaskId"] = taskId, ["FireAt"] = fireAt },
            TableUpdateMode.Replace,
            cancellationToken);

    /// <summary>The ids of the tasks a schedule made, newest first.</summary>
    public async Task<IReadOnlyList<string>> GetRunTaskIdsAsync(string scheduleId, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var row in _runs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {scheduleId}"), select: ["TaskId"], cancellationToken: cancellationToken))
        {
            ids.Add(row.GetString("TaskId"));
        }

        return ids;
    }

    /// <summary>Deletes a deleted schedule's run rows (the tasks stay); best effort, a row left behind is never read.</summary>
    public Task DeleteRunsAsync(string scheduleId, CancellationToken cancellationToken) =>
        _runs.DeletePartitionAsync(scheduleId, cancellationToken);

    /// <summary>Inverted ticks sort the newest first (Table Storage scans ascending only).</summary>
    private static string RunRowKey(DateTimeOffset fireAt, string taskId) =>
        (DateTimeOffset.MaxValue.UtcTicks - fireAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "|" + taskId;

    private static TableEntity ToEntity(ScheduleItem schedule) => new(schedule.Id, RowKey)
    {
        ["Data"] = JsonSerializer.Serialize(schedule, Json),
        ["NextFireAt"] = schedule.NextFireAt,
    };

    private static StoredSchedule FromEntity(TableEntity entity) =>
        new(JsonSerializer.Deserialize<ScheduleItem>(entity.GetString("Data"), Json)!, entity.ETag);
}
