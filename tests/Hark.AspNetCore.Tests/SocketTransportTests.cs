using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Tests;

/// <summary>The server runs connection code on the socket engine's threads unless configuration says otherwise.</summary>
public sealed class SocketTransportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ByDefault_ConnectionsRunInline_AndAnswerPolls()
    {
        await using var server = await HarkTestServer.StartAsync(output);

        Assert.True(server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
        var cursor = await server.NowAsync("inline");
        var poll = server.Client.GetAsync($"/sub/inline?cursor={Uri.EscapeDataString(cursor)}&timeout=10");
        await server.PublishAsync("inline", """{"n":1}""");
        var answer = await poll.WaitAsync(HarkTestServer.Patience);
        Assert.Equal(System.Net.HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"n\":1", await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Configuration_TurnsItOff_AndSetsTheTransportsOtherSettings()
    {
        await using var server = await HarkTestServer.StartAsync(output,
            "Kestrel:Sockets:UnsafePreferInlineScheduling=false", "Kestrel:Sockets:IOQueueCount=3");

        var sockets = server.App.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
        Assert.False(sockets.UnsafePreferInlineScheduling);
        Assert.Equal(3, sockets.IOQueueCount);
    }
}
