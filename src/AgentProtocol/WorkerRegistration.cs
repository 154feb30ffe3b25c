namespace TaskScheduler.AgentProtocol;

/// <summary>
/// <c>POST /workers</c>: an agent announces itself when it starts. Every member is optional: without an id the
/// scheduler makes one, without a concurrency it assumes one slot.
/// </summary>
public sealed record WorkerRegistration(
    string? Id = null,
    string? Hostname = null,
    string? Version = null,
    IReadOnlyList<string>? Tags = null,
    int? Concurrency = null);
