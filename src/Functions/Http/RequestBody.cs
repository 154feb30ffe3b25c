using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TaskScheduler.Core.Api;

namespace TaskScheduler.Functions.Http;

/// <summary>Reads a JSON request body with a size cap; anything that is not JSON is a 400 <c>invalid_json</c>.</summary>
public static class RequestBody
{
    /// <summary>The largest body any endpoint accepts (a log batch is the biggest legitimate one).</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 32 };

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

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), Options);
        }
        catch (JsonException ex)
        {
            throw ApiException.InvalidJson($"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }
    }

    private static ApiException TooLarge() =>
        new(413, ErrorCodes.PayloadTooLarge, $"The request body is larger than {MaxBytes / 1024} KiB.");
}
