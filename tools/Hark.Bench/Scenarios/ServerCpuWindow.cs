using System.Diagnostics;

namespace Hark.Bench.Scenarios;

/// <summary>
/// Reads the server's CPU time where a measured window starts and again where it ends, with the wall time between.
/// Without server pids, or where /proc cannot be read, it yields no figure rather than a guessed one.
/// </summary>
internal sealed class ServerCpuWindow
{
    private readonly IReadOnlyList<int> _pids;
    private readonly double? _startSeconds;
    private readonly TimeSpan _generatorStart;
    private readonly long _startTimestamp;
    private double? _usedSeconds;
    private double _generatorSeconds;
    private double _wallSeconds;

    private ServerCpuWindow(IReadOnlyList<int> pids)
    {
        _pids = pids;
        _startSeconds = ProcessCpu.Seconds(pids);
        _generatorStart = Environment.CpuUsage.TotalTime;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public static ServerCpuWindow Start(IReadOnlyList<int> pids) => new(pids);

    /// <summary>Ends the window; a second call moves its end.</summary>
    public void Stop()
    {
        _wallSeconds = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        _generatorSeconds = (Environment.CpuUsage.TotalTime - _generatorStart).TotalSeconds;
        _usedSeconds = _startSeconds is { } start && ProcessCpu.Seconds(_pids) is { } end ? end - start : null;
    }

    /// <summary>The window's figures over <paramref name="deliveries"/> (and <paramref name="publishes"/>, when given); null when there are none to give.</summary>
    public ServerCpu? Figures(long deliveries, long? publishes = null)
    {
        if (_usedSeconds is not { } used || deliveries <= 0 || _wallSeconds <= 0)
        {
            return null;
        }
        return new ServerCpu(
            Math.Round(used, 3),
            Math.Round(_wallSeconds, 3),
            Math.Round(used / _wallSeconds, 3),
            Math.Round(used * 1e6 / deliveries, 2),
            publishes is { } p && p > 0 ? Math.Round(used * 1e6 / p, 2) : null,
            Math.Round(_generatorSeconds / _wallSeconds, 3));
    }
}
