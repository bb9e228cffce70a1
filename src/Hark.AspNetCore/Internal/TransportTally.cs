using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// Running totals by transport (<c>hark.transport</c>), added to with an interlocked add and read by an observable
/// instrument when the meter is collected. For counts taken on every delivery or poll, where recording a measurement
/// would pass each one through every meter listener (the exporter's aggregation and the dashboard's).
/// </summary>
internal sealed class TransportTally
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _byTransport = new(StringComparer.Ordinal);

    public void Add(string transport, long amount)
    {
        var total = _byTransport.TryGetValue(transport, out var known) ? known : _byTransport.GetOrAdd(transport, static _ => new StrongBox<long>());
        Interlocked.Add(ref total.Value, amount);
    }

    /// <summary>Every transport's total now, for the observable instrument.</summary>
    public IEnumerable<Measurement<long>> Measure()
    {
        foreach (var (transport, total) in _byTransport)
        {
            yield return new Measurement<long>(Volatile.Read(ref total.Value), new KeyValuePair<string, object?>("hark.transport", transport));
        }
    }
}
