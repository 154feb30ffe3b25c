using System.Text.Json.Serialization;

namespace TaskScheduler.Core.Api;

/// <summary>
/// The reply shape: <c>{"data", "meta"?}</c> on success, <c>{"error"}</c> on failure; never both.
/// </summary>
public sealed record Envelope(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Data,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Meta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ApiError? Error)
{
    public static Envelope Success(object data, object? meta = null) => new(data, meta, null);

    public static Envelope Failure(ApiError error) => new(null, null, error);

    public static Envelope Failure(ApiException ex) => new(null, null, new ApiError(ex.Code, ex.Message, ex.Details));

    /// <summary>What a client sees for any unexpected failure: no exception text, no stack trace.</summary>
    public static Envelope InternalError() =>
        Failure(new ApiError(ErrorCodes.InternalError, "An internal error occurred."));
}
