using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal;

/// <summary>Hark's instruments, built once from <see cref="IMeterFactory"/>.</summary>
internal sealed class HarkMetrics
{
    public const string MeterName = "Hark";

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] HoldBuckets = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 15, 20, 25, 30, 60, 120];

    private readonly Counter<long> _published;
    // Counted on every delivery and poll: kept as plain interlocked totals that the meter reads when it is collected, so
    // the hot path makes no trip through the meter's listeners (the exporter's and the dashboard's) for them.
    private readonly TransportTally _delivered = new();
    private readonly TransportTally _held = new();
    private long _direct;
    private readonly Histogram<double> _pollDuration;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _frames;
    private readonly Counter<long> _hookCalls;
    private readonly Histogram<double> _hookDuration;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _presenceEvents;
    private readonly Counter<long> _presenceFailures;
    private readonly TimeProvider _time;
    private readonly double _deliverySampleRate;

    public HarkMetrics(IMeterFactory meterFactory, Hark.IHarkEngine engine, TimeProvider time, IOptions<HarkOptions> options)
    {
        _time = time;
        _deliverySampleRate = options.Value.Tracing.DeliverySampleRate;
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("hark.messages.published", "{message}", "Messages published.");
        meter.CreateObservableCounter("hark.messages.delivered", _delivered.Measure, "{message}", "Messages written to subscribers, counted once per subscriber.");
        meter.CreateObservableUpDownCounter("hark.connections.held", _held.Measure, "{connection}", "Subscriber requests being held open now.");
        _pollDuration = meter.CreateHistogram("hark.poll.duration", "s", "How long long-polls were held before they were answered.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HoldBuckets });
        _gaps = meter.CreateCounter<long>("hark.gaps", "{gap}", "Gaps reported to subscribers: messages after their cursor were gone, by reason (evicted, reset).");
        _rejected = meter.CreateCounter<long>("hark.requests.rejected", "{request}", "Requests answered with a problem (4xx).");
        _dropped = meter.CreateCounter<long>("hark.connections.dropped", "{connection}",
            "Streams and sockets dropped because the client did not read (on a socket: closed as a slow consumer, 4408).");
        _frames = meter.CreateCounter<long>("hark.frames.sent", "{frame}", "WebSocket frames sent to subscribers: messages, and control frames (acknowledgements, gaps, errors).");
        meter.CreateObservableCounter("hark.polls.direct", () => Volatile.Read(ref _direct), "{request}",
            "Long-polls answered on the connection, ahead of the HTTP pipeline (the rest of hark.poll.duration went through it).");
        _hookCalls = meter.CreateCounter<long>("hark.auth.hook.calls", "{call}",
            "Calls to the application's authorization hook, by outcome: allowed, denied, failed (an answer other than 2xx, 401 or 403, or unreachable), timeout.");
        _hookDuration = meter.CreateHistogram("hark.auth.hook.duration", "s", "How long the authorization hook took to answer (or to time out).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _latency = meter.CreateHistogram("hark.delivery.latency", "s",
            "From a publish accepted to its message written to a subscriber, once per write (the oldest message of the write).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _presenceEvents = meter.CreateCounter<long>("hark.presence.events", "{event}",
            "Presence joins and leaves this node published, by event (join, leave) and, for leaves, reason (closed, expired).");
        _presenceFailures = meter.CreateCounter<long>("hark.presence.store.failures", "{call}",
            "Calls to the presence store (renew, remove, sweep) or publishes of its events that failed; the next pass tries again.");
        meter.CreateObservableGauge("hark.presence.leases", () => PresenceLeases(), "{lease}", "Presence leases this node keeps: held, or lingering between polls.");
        meter.CreateObservableGauge("hark.channels", () => engine.ChannelCount, "{channel}", "Channels held by the engine.");
        meter.CreateObservableGauge("hark.history.size", () => engine.HistoryBytes, "By", "Bytes of message history held.");
    }

    public void Published(int count) => _published.Add(count);

    /// <summary>How many presence leases the node keeps; set by the presence tracker.</summary>
    public Func<int> PresenceLeases { get; set; } = static () => 0;

    public void PresenceEvent(string name, string? reason)
    {
        if (!_presenceEvents.Enabled)
        {
            return;
        }
        var tag = new KeyValuePair<string, object?>("hark.event", name);
        if (reason is null)
        {
            _presenceEvents.Add(1, tag);
        }
        else
        {
            _presenceEvents.Add(1, tag, new KeyValuePair<string, object?>("hark.reason", reason));
        }
    }

    public void PresenceStoreFailed(string operation) => _presenceFailures.Add(1, new KeyValuePair<string, object?>("hark.operation", operation));

    /// <summary>
    /// Counts a write of <paramref name="messages"/> to one subscriber, records its latency (one clock read per write)
    /// and, sampled, its span in the publish's trace.
    /// </summary>
    public void Delivered(IReadOnlyList<HarkMessage> messages, string transport)
    {
        if (messages.Count == 0)
        {
            return;
        }
        _delivered.Add(transport, messages.Count);
        var timed = _latency.Enabled;
        if (timed || (_deliverySampleRate > 0 && messages[0].TraceParent is not null))
        {
            var now = _time.GetUtcNow();
            if (timed)
            {
                _latency.Record(Math.Max(0, (now - messages[0].Time).TotalSeconds), new KeyValuePair<string, object?>("hark.transport", transport));
            }
            if (_deliverySampleRate > 0)
            {
                DeliveryTrace.Record(messages, transport, now, _deliverySampleRate);
            }
        }
    }

    public void HoldStarted(string transport) => _held.Add(transport, 1);

    public void HoldEnded(string transport) => _held.Add(transport, -1);

    public void PollAnswered(TimeSpan held, string outcome)
    {
        if (_pollDuration.Enabled)
        {
            _pollDuration.Record(held.TotalSeconds, new KeyValuePair<string, object?>("hark.outcome", outcome));
        }
    }

    public void HookCalled(string outcome, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("hark.outcome", outcome);
        _hookCalls.Add(1, tag);
        if (_hookDuration.Enabled)
        {
            _hookDuration.Record(took.TotalSeconds, tag);
        }
    }

    public void AnsweredDirectly() => Interlocked.Increment(ref _direct);

    /// <summary>Counts the gaps of one answer, by reason (<c>hark.gap.reason</c>: <c>evicted</c> or <c>reset</c>) and by the front door
    /// (<c>hark</c>, <c>nchan</c>) and transport that reported them.</summary>
    public void Gaps(IReadOnlyList<ChannelGap> gaps, string door, string transport)
    {
        for (var i = 0; i < gaps.Count; i++)
        {
            var tags = new TagList
            {
                { "hark.gap.reason", gaps[i].Reason == GapReason.Evicted ? "evicted" : "reset" },
                { "hark.door", door },
                { "hark.transport", transport },
            };
            _gaps.Add(1, tags);
        }
    }

    public void FrameSent(string transport)
    {
        if (_frames.Enabled)
        {
            _frames.Add(1, new KeyValuePair<string, object?>("hark.transport", transport));
        }
    }

    public void Rejected(int status)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("http.response.status_code", status));
        }
    }

    public void Dropped(string transport) => _dropped.Add(1, new KeyValuePair<string, object?>("hark.transport", transport));
}
