using Hark.Bench.Net;

namespace Hark.Bench.Targets;

/// <summary>One long-poll subscriber's position, in whatever form its server wants (a cursor, or Etag and Last-Modified).</summary>
internal abstract class LongPollState
{
    /// <summary>The next poll, as raw HTTP/1.1 request text.</summary>
    public abstract string NextRequest();

    /// <summary>Takes an answer: moves the position on, and returns the bench payloads it carried (none on a timeout).</summary>
    public abstract IReadOnlyList<BenchPayload> Accept(HttpResponse response);
}
