namespace TaskScheduler.Core.Api.OpenApi;

/// <summary>
/// What the OpenAPI document says about an HTTP function, beside what its other attributes already say (route and
/// methods from <c>[HttpTrigger]</c>, scope from <see cref="Auth.RequiresScopeAttribute"/>). Every HTTP function
/// carries one: the document cannot be built without it, so a route is never served undescribed.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ApiOperationAttribute(string summary) : Attribute
{
    public string Summary { get; } = summary;

    /// <summary>The request body, by its name in <see cref="RequestBodies"/> (none when null).</summary>
    public string? Body { get; set; }

    /// <summary>The type of the envelope's <c>data</c> (serialised with the API's JSON options); none when null.</summary>
    public Type? Reply { get; set; }

    /// <summary>Whether <c>data</c> is a page of <see cref="Reply"/> items, with the page's <c>meta</c>.</summary>
    public bool List { get; set; }

    /// <summary>The type of the envelope's <c>meta</c> on a single reply (a page's is always the page's).</summary>
    public Type? Meta { get; set; }

    /// <summary>The status of a success.</summary>
    public int Status { get; set; } = 200;

    /// <summary>The query parameters it accepts (any other is a 400), by name in <see cref="QueryParameterSchemas"/>.</summary>
    public string[] Query { get; set; } = [];

    /// <summary>Error statuses the operation itself can answer, beyond those every operation can (see the document).</summary>
    public int[] Errors { get; set; } = [];

    /// <summary>Whether it honours an <c>Idempotency-Key</c> header.</summary>
    public bool Idempotent { get; set; }

    /// <summary>The media type of a success when it is not the JSON envelope (the dashboard's files).</summary>
    public string? MediaType { get; set; }
}
