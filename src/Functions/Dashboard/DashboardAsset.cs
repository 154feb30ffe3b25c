namespace TaskScheduler.Functions.Dashboard;

/// <summary>One file of the dashboard: its bytes, media type and a strong ETag (the SHA-256 of the bytes).</summary>
public sealed record DashboardAsset(string Name, ReadOnlyMemory<byte> Content, string ContentType, string ETag);
