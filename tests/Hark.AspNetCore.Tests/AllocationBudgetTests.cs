using System.Buffers;
using System.Net;
using System.Text;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Direct;
using Hark.AspNetCore.Internal.Transports;
using Hark.Micro;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// Bytes allocated by the synchronous steps a fan-out delivery or a publish repeats, counted on the calling thread
/// (exact, unlike timings). The budgets sit a little above what bench/Hark.Micro reports, so a change that makes
/// these steps allocate more fails here rather than in a benchmark run.
/// </summary>
public sealed class AllocationBudgetTests : IDisposable
{
    private const int Rounds = 1000;

    private readonly Samples _samples = new();
    private readonly IReadOnlyList<ChannelPosition> _start;
    private readonly ReadBatch _batch;

    public AllocationBudgetTests()
    {
        (_start, _batch) = (_samples.Start, _samples.Batch);
    }

    [OptimizedBuildFact]
    public void RePollRead_WithACursor_AllocatesUnderItsBudget()
    {
        var rules = new HeadRules("/sub/", new KestrelServerLimits(), ["*"], new ForwardedHeadersOptions());
        var options = new HarkOptions();
        var head = _samples.RePoll;
        IReadOnlyList<ChannelPosition>? positions = null;
        void ReadOnce()
        {
            var parsed = RequestHead.TryParse(head, rules, out _)!;
            SubscribeRequest.TryParse(new QueryReader(parsed.Query), parsed.LastEventId, parsed.Accept, parsed.Channels, options, out var request);
            var resolving = CursorResolver.ResolveAsync(request, _samples.Hub, default);
            // A poll with a cursor resolves without waiting on the engine, so all of it is counted on this thread.
            Assert.True(resolving.IsCompletedSuccessfully);
            positions = resolving.Result.Positions;
        }

        // The head, the subscription and its position: a handful of small strings and records (584 – 680 bytes now).
        Assert.InRange(BytesPerCall(ReadOnce), 1, 750);
        Assert.Equal(_start, positions);
    }

    [OptimizedBuildFact]
    public void LongPollAnswer_OneMessage_AllocatesNothing()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        var responses = new ResponseHead(TimeProvider.System, serverHeader: true);
        void WriteOnce()
        {
            output.ResetWrittenCount();
            var body = new LongPollBody(_start, _batch);
            responses.Write(output, 200, LongPollBody.ContentType, body.Length);
            body.WriteTo(output);
        }

        // The Date header is formatted once a second, so allow that and nothing per answer.
        Assert.InRange(BytesPerCall(WriteOnce), 0, 0.5);
        Assert.EndsWith(_batch.Messages[0].Cursor + "\",\"gap\":false}", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [OptimizedBuildFact]
    public void SseEvent_OneMessage_AllocatesNothing()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        var sse = new ServerSentEventsFormat(TimeSpan.FromSeconds(3), envelope: false);
        var message = _batch.Messages[0];
        void WriteOnce()
        {
            output.ResetWrittenCount();
            sse.WriteMessage(output, message, message.Cursor);
        }

        Assert.Equal(0, BytesPerCall(WriteOnce));
        Assert.StartsWith($"id: {message.Cursor}\n", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [OptimizedBuildFact]
    public void PublishBody_SmallJson_AllocatesUnderItsBudget()
    {
        ReadOnlyMemory<byte> body = Encoding.UTF8.GetBytes("{\"index\":42,\"sent\":1732291200123,\"note\":\"a typical small JSON message\"}");
        MessagePayload? payload = null;
        void ParseOnce() => Assert.Null(RequestBody.TryMakePayload("application/json", body, out payload));

        // The content type parsed, the JSON checked, and the payload's bytes (720 bytes now).
        Assert.InRange(BytesPerCall(ParseOnce), 1, 850);
        Assert.True(payload!.Size > 0);
    }

    [OptimizedBuildFact]
    public void ForwardedClient_ATrustedProxysClient_AllocatesUnderItsBudget()
    {
        var forwarded = new ForwardedClient(Options.Create(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor }),
            NullLoggerFactory.Instance);
        var proxy = new IPEndPoint(IPAddress.Loopback, 40000);
        IPAddress? client = null;
        void ResolveOnce() => client = forwarded.Resolve(proxy, "203.0.113.7", null);

        // The framework's middleware on a context reused per thread: its own header parsing and bookkeeping
        // (336 bytes now; a new context each time would be 1.7 KB).
        Assert.InRange(BytesPerCall(ResolveOnce), 1, 450);
        Assert.Equal(IPAddress.Parse("203.0.113.7"), client);
    }

    /// <summary>
    /// Average bytes one call allocates on this thread, after a first round so that one-time work (JIT, caches) is
    /// not counted. The code measured may still be the JIT's first, unoptimized tier, which allocates no less than
    /// the optimized code the micro-benchmarks measure, so the budgets leave some room.
    /// </summary>
    private static double BytesPerCall(Action call)
    {
        for (var i = 0; i < Rounds; i++)
        {
            call();
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Rounds; i++)
        {
            call();
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Rounds;
    }

    public void Dispose() => _samples.Dispose();

    /// <summary>A fact skipped in debug builds, which box every async method and so allocate more than production does.</summary>
    private sealed class OptimizedBuildFactAttribute : FactAttribute
    {
        public OptimizedBuildFactAttribute()
        {
#if DEBUG
            Skip = "Allocation budgets hold for optimized builds; the test script builds Release.";
#endif
        }
    }
}
