using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests.Nchan;

public sealed class NchanCorsTests(ITestOutputHelper output) : ServerTest(output, [.. NchanClient.Settings, "Hark:Cors:Origins:0=https://app.example"])
{
    [Fact]
    public async Task Preflight_OfALongPollThatResumes_AllowsNchansHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"{NchanClient.Prefix}/sub/{HarkTestServer.NewChannel()}");
        request.Headers.Add("Origin", "https://app.example");
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "if-none-match,if-modified-since,etag");
        using var response = await Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("if-none-match", allowed);
        Assert.Contains("if-modified-since", allowed);
    }

    [Fact]
    public async Task Answer_ToAnAllowedOrigin_ExposesTheIdHeaders_AndNotToAnother()
    {
        var c = HarkTestServer.NewChannel();
        await NchanClient.PublishOkAsync(Server, c, "one");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/sub/{c}");
        request.Headers.Add("Origin", "https://app.example");
        using var response = await Server.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var exposed = string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")).ToLowerInvariant();
        Assert.Contains("last-modified", exposed);
        Assert.Contains("etag", exposed);
        Assert.Contains("x-hark-gap", exposed);

        using var other = new HttpRequestMessage(HttpMethod.Get, $"{NchanClient.Prefix}/sub/{c}");
        other.Headers.Add("Origin", "https://elsewhere.example");
        using var refused = await Server.Client.SendAsync(other);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
