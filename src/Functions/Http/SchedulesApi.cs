using Microsoft.DurableTask.Client;
using TaskScheduler.Core.Schedules;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Functions.Http;

/// <summary>Recurring schedules (decisions.md, "Beyond the reference"). Each function parses, calls Core, and shapes the reply.</summary>
public sealed class SchedulesApi(ScheduleService schedules, IdempotencyStore idempotency)
{
    [Function("CreateSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Create a recurring schedule.", Body = "ScheduleCreate", Reply = typeof(ScheduleResource), Status = 201, Idempotent = true)]
    public async Task<IActionResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules")] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        var draft = schedules.ParseCreate(body.RootElement);
        if (!request.Headers.TryGetValue(IdempotencyStore.HeaderName, out var key))
        {
            // Not stopped half-way by the client's disconnect: the row and the orchestration's start, in order.
            return ApiResults.Created(ScheduleResource.From(await schedules.CreateAsync(draft, client, CancellationToken.None)));
        }

        return await IdempotentCreate.RunAsync(idempotency, request, "POST /schedules", key.ToString(), body.RootElement.GetRawText(), ScheduleIds.New, async id =>
            ApiResults.Created(ScheduleResource.From(await schedules.CreateAsync(draft with { Id = id }, client, CancellationToken.None, reservedId: true))));
    }

    [Function("ListSchedules")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("List schedules.", Reply = typeof(ScheduleResource), List = true, Query = ["page", "limit"])]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules")] HttpRequest request)
    {
        var (items, meta) = await schedules.ListAsync(request.Query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items.Select(ScheduleResource.From).ToList(), meta);
    }

    [Function("GetSchedule")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("Get a schedule, with its next fire time.", Reply = typeof(ScheduleResource))]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}")] HttpRequest request,
        string id) =>
        ApiResults.Ok(ScheduleResource.From(await schedules.GetAsync(id, request.HttpContext.RequestAborted)));

    [Function("UpdateSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Change a schedule.", Body = "ScheduleUpdate", Reply = typeof(ScheduleResource))]
    public async Task<IActionResult> UpdateAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "schedules/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        await schedules.GetAsync(id, cancellationToken);
        using var body = await RequestBody.ReadJsonAsync(request, cancellationToken);
        return ApiResults.Ok(ScheduleResource.From(await schedules.UpdateAsync(id, body.RootElement, client, cancellationToken)));
    }

    [Function("DeleteSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Delete a schedule (its tasks stay).", Reply = typeof(Deleted))]
    public async Task<IActionResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "schedules/{id}")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client)
    {
        await schedules.DeleteAsync(id, client, request.HttpContext.RequestAborted);
        return ApiResults.Ok(Deleted.Because("Schedule deleted successfully"));
    }

    [Function("PauseSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Pause a schedule: no firing until it is resumed.", Reply = typeof(ScheduleResource))]
    public async Task<IActionResult> PauseAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/pause")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        ApiResults.Ok(ScheduleResource.From(await schedules.PauseAsync(id, client, request.HttpContext.RequestAborted)));

    [Function("ResumeSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Resume a paused schedule.", Reply = typeof(ScheduleResource))]
    public async Task<IActionResult> ResumeAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/resume")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        ApiResults.Ok(ScheduleResource.From(await schedules.ResumeAsync(id, client, request.HttpContext.RequestAborted)));

    /// <summary>One task now, outside the schedule's times: 201 with the task.</summary>
    [Function("TriggerSchedule")]
    [RequiresScope(Scopes.TasksWrite)]
    [ApiOperation("Fire a schedule now: one task, outside its recurrence.", Reply = typeof(TaskResource), Status = 201, Errors = [409])]
    public async Task<IActionResult> TriggerAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "schedules/{id}/trigger")] HttpRequest request,
        string id,
        [DurableClient] DurableTaskClient client) =>
        ApiResults.Created(TaskResource.From(await schedules.TriggerAsync(id, client, request.HttpContext.RequestAborted)));

    [Function("ListScheduleRuns")]
    [RequiresScope(Scopes.TasksRead)]
    [ApiOperation("The tasks a schedule made, newest first.", Reply = typeof(TaskResource), List = true, Query = ["page", "limit"])]
    public async Task<IActionResult> RunsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "schedules/{id}/runs")] HttpRequest request,
        string id)
    {
        var (items, meta) = await schedules.RunsAsync(id, request.Query, request.HttpContext.RequestAborted);
        return ApiResults.Ok(items.Select(TaskResource.From).ToList(), meta);
    }
}
