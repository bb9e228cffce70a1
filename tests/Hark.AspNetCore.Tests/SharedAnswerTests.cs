using System.Net.Http.Headers;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.OutsideEngine;
using Microsoft.Extensions.DependencyInjection;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// A publish to many subscribers at one cursor is read once and answered with one set of bytes, on the long-poll
/// (both front doors) and on the streams; the engine counts its reads (an engine from outside Hark's assemblies).
/// </summary>
public sealed class SharedAnswerTests(ITestOutputHelper output)
{
    private const int Subscribers = 40;

    /// <summary>Puts <see cref="CountingEngine"/> around the engine the server made.</summary>
    private static void CountReads(IServiceCollection services)
    {
        var made = services.Single(d => d.ServiceType == typeof(IHarkEngine));
        services.Remove(made);
        services.AddSingleton<IHarkEngine>(sp => new CountingEngine((IHarkEngine)made.ImplementationFactory!(sp)));
    }

    [Fact]
    public async Task LongPolls_AtOneCursor_AreAnsweredFromOneRead_WithTheSameBytes()
    {
        await using var server = await HarkTestServer.StartAsync(output, CountReads);
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        // Half take the direct path on the connection, half the endpoint (an Origin sends them through the pipeline).
        var polls = Enumerable.Range(0, Subscribers).Select(i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}?cursor={cursor}&timeout=60");
            if (i % 2 == 1)
            {
                request.Headers.Add("Origin", server.Address.GetLeftPart(UriPartial.Authority));
            }
            return SendAsync(server, request);
        }).ToList();
        await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == Subscribers, "every poll is held");
        var engine = (CountingEngine)server.Service<IHarkEngine>();
        var readsBefore = engine.Reads;

        var published = await server.PublishAsync(c, "{\"n\":1}");

        var bodies = await Task.WhenAll(polls).WaitAsync(HarkTestServer.Patience);
        Assert.Equal(Subscribers, published.GetProperty("subscribers").GetInt32());
        Assert.Equal(1, engine.Reads - readsBefore);
        Assert.All(bodies, b => Assert.Equal(bodies[0], b));
        Assert.Contains("\"data\":{\"n\":1}", bodies[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streams_AtOneCursor_GetTheirEventsFromOneRead()
    {
        await using var server = await HarkTestServer.StartAsync(output, CountReads);
        var c = HarkTestServer.NewChannel();
        var cursor = await server.NowAsync(c);
        var readers = new List<SseReader>();
        var responses = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < Subscribers; i++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{c}?cursor={cursor}");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                var response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(HarkTestServer.Patience);
                responses.Add(response);
                var reader = new SseReader(await response.Content.ReadAsStreamAsync());
                readers.Add(reader);
                // The opening block (a comment, retry and id lines) carries the cursor the stream starts from.
                Assert.Equal(cursor, (await reader.ReadAsync(HarkTestServer.Patience))!.Id);
            }
            await HarkTestServer.EventuallyAsync(async () => await server.WaitingSubscribersAsync(c) == Subscribers, "every stream waits");
            var engine = (CountingEngine)server.Service<IHarkEngine>();
            var readsBefore = engine.Reads;

            var published = await server.PublishAsync(c, "{\"n\":2}", "tick");

            foreach (var reader in readers)
            {
                var received = await reader.ReadEventAsync(HarkTestServer.Patience);
                Assert.Equal(published.GetProperty("cursor").GetString(), received!.Id);
                Assert.Equal("tick", received.Event);
                Assert.Equal("{\"n\":2}", received.Data);
            }
            Assert.Equal(1, engine.Reads - readsBefore);
        }
        finally
        {
            readers.ForEach(r => r.Dispose());
            responses.ForEach(r => r.Dispose());
        }
    }

    private static async Task<string> SendAsync(HarkTestServer server, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await server.Client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadAsStringAsync();
        }
    }
}
