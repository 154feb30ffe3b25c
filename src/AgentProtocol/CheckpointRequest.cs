using System.Text.Json;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// <c>POST /tasks/{id}/checkpoint</c> (api-reference.md): a JSON object of up to 32 KiB. The agent adds its fencing
/// pair; other callers may leave it out.
/// </summary>
public sealed record CheckpointRequest(JsonElement? CheckpointData, string? WorkerId = null, int? Attempt = null);
