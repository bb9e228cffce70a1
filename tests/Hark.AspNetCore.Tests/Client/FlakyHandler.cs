namespace Hark.AspNetCore.Tests.Client;

/// <summary>The client's own seam: drops every Nth request as a broken connection would, and counts attempts.</summary>
public sealed class FlakyHandler(int failEvery) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
{
    private int _count;

    public int Attempts => Volatile.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _count);
        if (failEvery > 0 && n % failEvery == 0)
        {
            throw new HttpRequestException("connection dropped (injected)");
        }
        return base.SendAsync(request, cancellationToken);
    }
}
