
namespace Hark.Server.Demos.Jobs;

/// <summary>
/// A simulated upgrade of many devices. Each device moves through confirmed → downloading → unpacking →
/// installing → done, a step every few hundred milliseconds; a few stop with "timeout". The job publishes the
/// counts per state to its latest-value channel at most every <see cref="Tick"/>, each with the next version, so
/// the channel always holds the current state and an older snapshot can never replace a newer one.
/// </summary>
internal sealed class UpgradeJob(string id, int devices, double speed, int seed)
{
    public static readonly string[] States = ["confirmed", "downloading", "unpacking", "installing", "done", "timeout"];
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private const int Done = 4, TimedOut = 5;

    public string Id { get; } = id;

    public string Channel => "demo.job." + Id;

    public async Task RunAsync(IHarkEngine engine, TimeProvider time, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        var state = new int[devices];
        var next = new TimeSpan[devices];
        var started = time.GetTimestamp();
        for (var i = 0; i < devices; i++)
        {
            next[i] = Step(random);
        }
        using var timer = new PeriodicTimer(Tick, time);
        long version = 0;
        await PublishAsync(engine, state, ++version, cancellationToken);
        var finished = 0;
        while (finished < devices && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = time.GetElapsedTime(started);
            var changed = false;
            for (var i = 0; i < devices; i++)
            {
                if (state[i] >= Done || next[i] > now)
                {
                    continue;
                }
                // About one device in 25 never answers while downloading or installing.
                state[i] = state[i] is 1 or 3 && random.Next(50) == 0 ? TimedOut : state[i] + 1;
                next[i] = now + Step(random);
                finished += state[i] >= Done ? 1 : 0;
                changed = true;
            }
            if (changed)
            {
                await PublishAsync(engine, state, ++version, cancellationToken);
            }
        }
    }

    private TimeSpan Step(Random random) => TimeSpan.FromMilliseconds((200 + random.Next(1300)) / speed);

    private async Task PublishAsync(IHarkEngine engine, int[] state, long version, CancellationToken cancellationToken)
    {
        var counts = new int[States.Length];
        foreach (var s in state)
        {
            counts[s]++;
        }
        var payload = DemoPayload.Of(new
        {
            job = Id,
            total = devices,
            states = States.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => counts[p.i]),
            finished = counts[Done] + counts[TimedOut] == devices,
        });
        await engine.PublishAsync(new PublishRequest(Channel, "progress", payload) { Version = version }, cancellationToken);
    }
}
