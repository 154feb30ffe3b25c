using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Functions.Http;

/// <summary>The replies of every HTTP function, so the shape of success and failure is decided in one place.</summary>
public static class ApiResults
{
    public static EnvelopeResult Ok(object data, object? meta = null) => new(200, Envelope.Success(data, meta));

    public static EnvelopeResult Created(object data, object? meta = null) => new(201, Envelope.Success(data, meta));

    public static EnvelopeResult Error(ApiException ex) => new(ex.Status, Envelope.Failure(ex));

    /// <summary>
    /// The HTTP edge of the domain's exceptions: an expected failure becomes its envelope; null for anything else,
    /// which is an internal error.
    /// </summary>
    public static EnvelopeResult? For(Exception exception) => exception switch
    {
        ApiException api => Error(api),
        TaskNotFoundException notFound => Error(ApiException.NotFound(notFound.Message)),
        TaskConflictException conflict => Error(ApiException.Conflict(conflict.Message)),
        { InnerException: { } inner } => For(inner),
        _ => null,
    };

    /// <summary>Unexpected failures: a 500 that tells the client nothing about the internals.</summary>
    public static EnvelopeResult InternalError() => new(500, Envelope.InternalError());
}
