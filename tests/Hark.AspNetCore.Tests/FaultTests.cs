using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Bench.Net;
using Hark.Bench.Scenarios;
using Hark.Bench.Targets;

namespace Hark.AspNetCore.Tests;

/// <summary>The promises under stress: bounded and on loopback, each stops by itself.</summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PublishFlood_BeyondHistoryBounds_MemoryStaysBounded_AndSubscribersGetAGap()
    {
        await using var server = await HarkTestServer.StartAsync(output,
            "Hark:History:MaxMessages=100", "Hark:History:MaxBytes=65536", "Hark:Limits:MaxMessageBytes=1024");
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        const int Batches = 50, PerBatch = 100;
        for (var b = 0; b < Batches; b++)
        {
            var batch = string.Join(',', Enumerable.Range(0, PerBatch).Select(i => $"{{\"channel\":\"{c}\",\"data\":{{\"n\":{(b * PerBatch) + i},\"pad\":\"{new string('x', 400)}\"}}}}"));
            using var response = await server.Client.PostAsync("/pub", new StringContent($"[{batch}]", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var info = await server.Client.GetFromJsonAsync<JsonElement>($"/pub/{c}");
        var behind = await server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=0&max=1000");

        Assert.True(info.GetProperty("bytes").GetInt64() <= 65536, $"history holds {info.GetProperty("bytes")} bytes");
        Assert.True(info.GetProperty("messages").GetInt32() <= 100);
        Assert.True(server.Service<IHarkEngine>().HistoryBytes <= 65536);
        Assert.True(behind.GetProperty("gap").GetBoolean());
        var gap = behind.GetProperty("gaps")[0];
        var kept = behind.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("data").GetProperty("n").GetInt32()).ToList();
        Assert.Equal((Batches * PerBatch) - kept.Count, gap.GetProperty("missed").GetInt32());
        Assert.Equal(Enumerable.Range((Batches * PerBatch) - kept.Count, kept.Count), kept);
    }

    [Fact]
    public async Task ReconnectStorm_5000SubscribersDroppedAndBackAtOnce_EachGetsEveryMessageOnceInOrder()
    {
        const int Subscribers = 5000;
        await using var server = await HarkTestServer.StartAsync(output);
        using var target = new HarkTarget(server.Address);
        var c = HarkTestServer.NewChannel();
        var start = await server.NowAsync(c);
        var received = Enumerable.Range(0, Subscribers).Select(_ => new List<long>()).ToArray();
        var cursors = new string?[Subscribers];
        var sources = new SourceAddresses(8);
        var progress = new NullProgress();

        // Each subscriber: connect, poll from its cursor until it has `until` messages, then drop the connection.
        async Task PollUntilAsync(int id, int until, Action connected)
        {
            await using var connection = await RawHttpConnection.ConnectAsync(target.Endpoint, sources.Next(), default);
            connected();
            var state = target.LongPoll(c, TimeSpan.FromSeconds(60), cursors[id] ?? start);
            while (received[id].Count < until)
            {
                await connection.SendAsync(state.NextRequest(), default);
                var response = await connection.ReadResponseAsync(default);
                foreach (var p in state.Accept(response))
                {
                    received[id].Add(p.Index);
                }
                using var doc = JsonDocument.Parse(response.Body);
                cursors[id] = doc.RootElement.GetProperty("cursor").GetString();
            }
        }

        var first = await Connector.StartAsync(Subscribers, 256, (id, connected) => PollUntilAsync(id, 1, connected), _ => { }, default);
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == Subscribers, "every subscriber is held");
        await server.PublishAsync(c, "{\"i\":0,\"t\":0}");
        await Task.WhenAll(first).WaitAsync(TimeSpan.FromSeconds(60));

        // All dropped; two messages while nobody is connected; then all back at once.
        await server.PublishAsync(c, "{\"i\":1,\"t\":0}");
        await server.PublishAsync(c, "{\"i\":2,\"t\":0}");
        var storm = await Connector.StartAsync(Subscribers, Subscribers, (id, connected) => PollUntilAsync(id, 4, connected), _ => { }, default);
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == Subscribers, "every subscriber is back and waiting");
        await server.PublishAsync(c, "{\"i\":3,\"t\":0}");
        await Task.WhenAll(storm).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.All(received, r => Assert.Equal([0L, 1, 2, 3], r));
        _ = progress;
    }

    [Fact]
    public async Task HalfOpenRequest_IsCutOffByTheServer_AndItStaysHealthy()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Kestrel:Limits:RequestHeadersTimeout=00:00:02");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Address.Host, server.Address.Port);
        // Headers that never end.
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /sub/c HTTP/1.1\r\nHost: x\r\n"));

        var buffer = new byte[1024];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var closed = false;
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
            closed = true;
        }
        catch (SocketException)
        {
            closed = true;
        }
        Assert.True(closed);
        using var health = await server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task ShutdownUnderLoad_AnswersEveryHeldRequest_KeepsOrder_AndNeverFails()
    {
        var server = await HarkTestServer.StartAsync(output);
        var c = HarkTestServer.NewChannel();
        var start = await server.NowAsync(c);
        using var client = server.CreateClient();
        using var stopLoad = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();

        var publishers = Enumerable.Range(0, 3).Select(p => Task.Run(async () =>
        {
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                try
                {
                    using var r = await client.PostAsync($"/pub/{c}", new StringContent($"{{\"p\":{p},\"i\":{i}}}", Encoding.UTF8, "application/json"));
                    statuses.Add((int)r.StatusCode);
                }
                catch (HttpRequestException)
                {
                    return; // the server has stopped listening
                }
            }
        })).ToList();

        var seen = Enumerable.Range(0, 200).Select(_ => new List<long>()).ToArray();
        var pollers = Enumerable.Range(0, 200).Select(id => Task.Run(async () =>
        {
            var cursor = start;
            while (true)
            {
                HttpResponseMessage response;
                try
                {
                    response = await client.GetAsync($"/sub/{c}?cursor={cursor}&timeout=30");
                }
                catch (HttpRequestException)
                {
                    return; // a poll sent after the server closed its doors was never held
                }
                using (response)
                {
                    statuses.Add((int)response.StatusCode);
                    var batch = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                    seen[id].AddRange(batch.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
                    cursor = batch.GetProperty("cursor").GetString()!;
                    if (batch.GetProperty("messages").GetArrayLength() == 0)
                    {
                        return; // the empty answer of a stopping server
                    }
                }
            }
        })).ToList();

        var streams = new List<Task>();
        for (var i = 0; i < 10; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}?cursor={start}");
            request.Headers.Accept.ParseAdd("text/event-stream");
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            streams.Add(Task.Run(async () =>
            {
                using var _ = response;
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                while (await reader.ReadLineAsync() is not null)
                {
                }
            }));
        }

        await HarkTestServer.EventuallyAsync(() => seen.All(s => s.Count > 20), "every poller has received messages under load");
        var stopping = DateTime.UtcNow;
        await server.App.StopAsync().WaitAsync(HarkTestServer.Patience);
        await stopLoad.CancelAsync();
        await Task.WhenAll(publishers.Concat(pollers).Concat(streams)).WaitAsync(HarkTestServer.Patience);
        await server.App.DisposeAsync();

        Assert.True(DateTime.UtcNow - stopping < TimeSpan.FromSeconds(15));
        Assert.All(statuses, s => Assert.True(s is 200 or 202, $"status {s}"));
        Assert.All(seen, s => Assert.Equal(s.Order().Distinct(), s));
    }

    [Fact]
    public async Task ClientsVanishingMidResponse_AreLetGo_AndOthersKeepReceiving()
    {
        await using var server = await HarkTestServer.StartAsync(output, "Hark:History:MaxMessages=20");
        var c = HarkTestServer.NewChannel();
        var big = "\"" + new string('v', 50_000) + "\"";
        var sockets = new List<Socket>();
        for (var i = 0; i < 50; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
            await socket.ConnectAsync(server.Address.Host, server.Address.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /sub/{c} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
            sockets.Add(socket);
        }
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == 50, "the streams are open");
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await server.PublishAsync(c, big);
            }
        });
        // Each client reads a little, then resets its connection in the middle of a response.
        foreach (var socket in sockets)
        {
            await socket.ReceiveAsync(new byte[4096], SocketFlags.None);
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        await publishing.WaitAsync(HarkTestServer.Patience);

        await HarkTestServer.EventuallyAsync(async () =>
            (await server.ScrapeAsync()).Value("hark_connections_held", ("hark_transport", "sse")) == 0,
            "every vanished stream is let go");
        var cursor = await server.NowAsync(c);
        var poll = server.PollAsync($"/sub/{c}?cursor={cursor}&timeout=10");
        await server.PublishAsync(c, "\"still here\"");
        Assert.Equal("still here", (await poll.WaitAsync(HarkTestServer.Patience)).GetProperty("messages")[0].GetProperty("data").GetString());
    }

    private sealed class NullProgress : IProgressSink
    {
        public void Report(string status)
        {
        }
    }
}
