using System.Net;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>The hook's user in presence: named once by the hook, carried by the grant on every re-poll.</summary>
public sealed partial class AuthorizationHookTests
{
    [Fact]
    public async Task Hook_NamedUser_IsThePresentUser_AlsoOnGrantRepolls_AskedOnce()
    {
        Answer(200, """{"user":"u-42"}""");
        await using var server = await StartAsync("Hark:Presence:Channels:0=room.*", "Hark:Presence:Grace=00:00:01");
        var room = "room." + HarkTestServer.NewChannel();
        async Task<JsonElement> PresenceAsync()
        {
            using var response = await server.Client.GetAsync($"/pub/{room}/presence");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        using var first = await PollAsync(server, room, query: "timeout=0&client=tab");
        var grant = GrantOf(first);
        await HarkTestServer.EventuallyAsync(async () => (await PresenceAsync()).GetProperty("count").GetInt32() == 1, "the client is present");
        // Re-polls present the grant only, past the grace of the first poll: the user stays the hook's.
        for (var i = 0; i < 15; i++)
        {
            using var again = await PollAsync(server, room, grant, query: "timeout=0&client=tab");
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            await Task.Delay(100);
        }
        var present = await PresenceAsync();
        var companion = await PollAsync(server, "~presence." + room, grant, query: "timeout=0&cursor=oldest");

        Assert.Equal(1, _calls);
        Assert.Equal([room], _asked.Single().GetProperty("channels").EnumerateArray().Select(c => c.GetString()));
        var client = Assert.Single(present.GetProperty("clients").EnumerateArray());
        Assert.Equal(("tab", "u-42"), (client.GetProperty("client").GetString(), client.GetProperty("user").GetString()));
        // The grant for the channel reads its companion too; the joins there name the user.
        Assert.Equal(HttpStatusCode.OK, companion.StatusCode);
        var join = Assert.Single(JsonDocument.Parse(await companion.Content.ReadAsStringAsync()).RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("u-42", join.GetProperty("data").GetProperty("user").GetString());
        Assert.Equal(1, _calls);
    }
}
