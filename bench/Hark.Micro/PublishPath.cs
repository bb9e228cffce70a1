using System.Text;
using BenchmarkDotNet.Attributes;
using Hark.AspNetCore.Internal;

namespace Hark.Micro;

/// <summary>A publish's own work on the server, apart from HTTP: its body turned into a payload, and the engine storing it.</summary>
public class PublishPath
{
    private Samples _samples = null!;
    private readonly ReadOnlyMemory<byte> _json = Encoding.UTF8.GetBytes("{\"index\":42,\"sent\":1732291200123,\"note\":\"a typical small JSON message\"}");

    [GlobalSetup]
    public void Setup() => _samples = new Samples();

    [GlobalCleanup]
    public void Cleanup() => _samples.Dispose();

    /// <summary>A JSON body checked and turned into a payload, as <c>POST /pub/{channel}</c> does.</summary>
    [Benchmark]
    public MessagePayload ParseBody()
    {
        RequestBody.TryMakePayload("application/json", _json, out var payload);
        return payload;
    }

    /// <summary>The payload published to a channel nobody waits on (stored and encoded once for every transport).</summary>
    [Benchmark]
    public async ValueTask<long> Publish()
    {
        RequestBody.TryMakePayload("application/json", _json, out var payload);
        var result = await _samples.Engine.PublishAsync(new PublishRequest("quiet", null, payload), default);
        return result.Seq;
    }
}
