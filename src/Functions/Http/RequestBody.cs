using System.Text.Json;
using System.Text.Unicode;
using TaskScheduler.Core.Tasks;

namespace TaskScheduler.Functions.Http;

/// <summary>
/// Reads a JSON request body with a size cap; anything that is not JSON (or not valid UTF-8 and Unicode) is a 400
/// <c>invalid_json</c>, so handlers can read every string of the document safely.
/// </summary>
public static class RequestBody
{
    /// <summary>The largest body any endpoint accepts (a log batch is the biggest legitimate one).</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

    /// <summary>
    /// An agent's call on a task: the id is checked first (a malformed one is a 404 without reading the body), then
    /// the body is read and parsed.
    /// </summary>
    public static async Task<T> ReadTaskCallAsync<T>(HttpRequest request, string id, Func<JsonElement, T> parse)
    {
        TaskIds.Require(id);
        using var body = await ReadJsonAsync(request, request.HttpContext.RequestAborted);
        return parse(body.RootElement);
    }

    public static async Task<JsonDocument> ReadJsonAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw TooLarge();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw ApiException.InvalidJson("The request body is empty; a JSON object is expected.");
        }

        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!Utf8.IsValid(bytes.Span))
        {
            throw ApiException.InvalidJson("The request body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException ex)
        {
            throw ApiException.InvalidJson($"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }

        // The parser leaves escapes alone until a string is read; an escaped lone surrogate ("\ud800") would make
        // every later GetString throw. Reading each string once here turns that into a 400 for the whole body.
        try
        {
            CheckStrings(document.RootElement);
            return document;
        }
        catch (InvalidOperationException)
        {
            document.Dispose();
            throw ApiException.InvalidJson("The request body holds a string that is not valid Unicode.");
        }
    }

    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckStrings(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }

                break;
        }
    }

    private static ApiException TooLarge() =>
        new(413, ErrorCodes.PayloadTooLarge, $"The request body is larger than {MaxBytes / 1024} KiB.");
}
