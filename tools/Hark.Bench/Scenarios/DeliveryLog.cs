using System.Diagnostics;
using Hark.Bench.Targets;

namespace Hark.Bench.Scenarios;

/// <summary>
/// The tally of a fan-out: for each (subscriber, message) its delivery latency, how many subscribers got each
/// message, and the deliveries that came twice or out of order. Shared by every fan-out scenario, so they count alike.
/// </summary>
internal sealed class DeliveryLog(int subscribers, int messages)
{
    private readonly double[] _latencies = new double[subscribers * messages];
    private readonly int[] _received = new int[messages];
    private long _duplicates;

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>How many subscribers got message <paramref name="index"/> so far.</summary>
    public int Received(int index) => Volatile.Read(ref _received[index]);

    /// <summary>Deliveries of the messages from <paramref name="from"/> on.</summary>
    public long Delivered(int from = 0) => _received.Skip(from).Sum(r => (long)r);

    public long Lost => ((long)subscribers * messages) - Delivered();

    /// <summary>
    /// Records that subscriber <paramref name="id"/>, which expects message <paramref name="next"/>, got <paramref name="payload"/>.
    /// False (and counted as a duplicate) when it is a message the subscriber had already, or none of the run's.
    /// <paramref name="everyone"/>: this delivery was the last subscriber's of that message.
    /// </summary>
    public bool Record(int id, ref long next, BenchPayload payload, out bool everyone)
    {
        everyone = false;
        if (payload.Index < next || payload.Index >= messages)
        {
            Interlocked.Increment(ref _duplicates);
            return false;
        }
        next = payload.Index + 1;
        _latencies[(id * messages) + payload.Index] = Stopwatch.GetElapsedTime(payload.Timestamp).TotalMilliseconds;
        everyone = Interlocked.Increment(ref _received[payload.Index]) == subscribers;
        return true;
    }

    /// <summary>The latencies recorded, each with its message index, leaving out the first <paramref name="warmup"/> messages.</summary>
    public IEnumerable<(int Message, double Milliseconds)> Latencies(int warmup = 0) =>
        _latencies.Select((l, i) => (Message: i % messages, Milliseconds: l)).Where(x => x.Milliseconds > 0 && x.Message >= warmup);
}
