using System.Security.Cryptography;

namespace TaskScheduler.Functions.Dashboard;

/// <summary>One static file (of the dashboard, or the OpenAPI document): its bytes, media type and a strong ETag (the SHA-256 of the bytes).</summary>
public sealed record DashboardAsset(string Name, ReadOnlyMemory<byte> Content, string ContentType, string ETag)
{
    public static DashboardAsset Of(string name, byte[] bytes, string contentType) =>
        new(name, bytes, contentType, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
}
