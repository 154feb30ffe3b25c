namespace TaskScheduler.Core.Api;

/// <summary>
/// An expected, client-facing failure. Hosts turn it into the error envelope with its status code;
/// anything else that escapes a handler is an <c>internal_error</c>.
/// </summary>
public sealed class ApiException(int status, string code, string message, IReadOnlyDictionary<string, string>? details = null)
    : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public IReadOnlyDictionary<string, string>? Details { get; } = details;

    public static ApiException InvalidJson(string message) => new(400, ErrorCodes.InvalidJson, message);

    public static ApiException InvalidParameter(string name, string reason) =>
        new(400, ErrorCodes.InvalidParameter, $"Invalid query parameter '{name}'.", new Dictionary<string, string> { [name] = reason });

    public static ApiException Validation(IReadOnlyDictionary<string, string> details) =>
        new(422, ErrorCodes.ValidationFailed, "The request is not valid.", details);

    public static ApiException Validation(string field, string reason) =>
        Validation(new Dictionary<string, string> { [field] = reason });

    public static ApiException NotFound(string what) => new(404, ErrorCodes.NotFound, what);

    /// <summary>A path no endpoint serves (both hosts give this same answer).</summary>
    public static ApiException NoSuchEndpoint() => NotFound("No such endpoint.");

    /// <summary>A path some endpoint serves, with a method it does not accept.</summary>
    public static ApiException MethodNotAllowed() => new(405, ErrorCodes.MethodNotAllowed, "This endpoint does not support the method.");

    public static ApiException Conflict(string message) => new(409, ErrorCodes.Conflict, message);
}
