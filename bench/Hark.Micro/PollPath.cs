using System.Buffers;
using BenchmarkDotNet.Attributes;
using Hark.AspNetCore;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.Direct;
using Hark.AspNetCore.Internal.Transports;
using Hark.Hub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hark.Micro;

/// <summary>
/// The steps of one long-poll delivery on the direct path, each on its own: reading the re-poll, the engine
/// waking the poll when a message is published, and writing the answer; and an SSE event for comparison.
/// </summary>
public class PollPath
{
    private const int Crowd = 1000;

    private readonly ValueTask<HoldResult>[] _crowd = new ValueTask<HoldResult>[Crowd];
    private Samples _samples = null!;
    private HeadRules _rules = null!;
    private readonly HarkOptions _options = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly ResponseHead _responses = new(TimeProvider.System, serverHeader: true);
    private readonly ServerSentEventsFormat _sse = new(TimeSpan.FromSeconds(3), envelope: false);
    private IReadOnlyList<ChannelPosition> _waiting = null!;

    [GlobalSetup]
    public void Setup()
    {
        _samples = new Samples();
        _rules = new HeadRules("/sub/", new KestrelServerLimits(), ["*"], new ForwardedHeadersOptions());
        _waiting = _samples.Batch.Positions;
    }

    [GlobalCleanup]
    public void Cleanup() => _samples.Dispose();

    /// <summary>The re-poll's head parsed, the subscription read from it, and its cursor resolved.</summary>
    [Benchmark]
    public async ValueTask<int> ReadRePoll()
    {
        var head = RequestHead.TryParse(_samples.RePoll, _rules, out var length)!;
        SubscribeRequest.TryParse(new QueryReader(head.Query), head.LastEventId, head.Accept, head.Channels, _options, out var request);
        var (positions, _) = await CursorResolver.ResolveAsync(request, _samples.Hub, default);
        return length + positions!.Count;
    }

    /// <summary>
    /// One publish and one held poll woken by it, then reading the message: the whole cycle for a channel with a
    /// single subscriber (few waiters are woken on the publisher's thread).
    /// </summary>
    [Benchmark]
    public async ValueTask<int> PublishWakeOne()
    {
        var wait = _samples.Hub.HoldAsync(_waiting, 100, TimeSpan.FromMinutes(1), default);
        await _samples.Engine.PublishAsync(new PublishRequest(Samples.Channel, null, MessagePayload.FromText("{\"index\":8}")), default);
        var batch = (await wait).Batch!;
        _waiting = batch.Positions;
        return batch.Messages.Count;
    }

    /// <summary>
    /// A thousand held polls on one channel woken by one publish, each then getting the message, reported per poll:
    /// the hub's share of a fan-out delivery (the waiters are woken in chunks on the thread pool, and the
    /// publish and the one read the hub shares among them are spread over all of them).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Crowd)]
    public async ValueTask<int> WakeEachOfAThousand()
    {
        for (var i = 0; i < Crowd; i++)
        {
            _crowd[i] = _samples.Hub.HoldAsync(_waiting, 100, TimeSpan.FromMinutes(1), default);
        }
        await _samples.Engine.PublishAsync(new PublishRequest(Samples.Channel, null, MessagePayload.FromText("{\"index\":9}")), default);
        ReadBatch? batch = null;
        for (var i = 0; i < Crowd; i++)
        {
            batch = (await _crowd[i]).Batch;
        }
        _waiting = batch!.Positions;
        return batch.Messages.Count;
    }

    /// <summary>The 200 answer, head and body, written for a batch of one message.</summary>
    [Benchmark]
    public int WriteAnswer()
    {
        _output.ResetWrittenCount();
        var body = new LongPollBody(_samples.Start, _samples.Batch);
        _responses.Write(_output, 200, LongPollBody.ContentType, body.Length);
        body.WriteTo(_output);
        return _output.WrittenCount;
    }

    /// <summary>One SSE event written for the same message.</summary>
    [Benchmark]
    public int WriteSseEvent()
    {
        _output.ResetWrittenCount();
        var message = _samples.Batch.Messages[0];
        _sse.WriteMessage(_output, message, message.Cursor);
        return _output.WrittenCount;
    }
}
