using System.Text.Json.Serialization;

namespace TaskScheduler.AgentProtocol;

/// <summary>
/// The <c>data</c> of the reply to <c>POST /workers</c> as the agent reads it: the reply is the whole worker view of
/// api-reference.md (<c>GET /workers/{id}</c>); the agent needs only the id it is known by.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record RegisteredWorker(string Id);
