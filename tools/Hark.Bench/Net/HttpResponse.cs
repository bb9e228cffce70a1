namespace Hark.Bench.Net;

/// <summary>The parts of an HTTP/1.1 response the scenarios use.</summary>
internal sealed record HttpResponse(int Status, string? ETag, string? LastModified, byte[] Body, bool Chunked)
{
    public int ContentLength { get; init; }
}
