using System.Text.Json.Serialization;

namespace TaskScheduler.Core.Api;

/// <summary>The <c>error</c> member of the envelope.</summary>
public sealed record ApiError(
    string Code,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Details = null);
