using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

public sealed class IframeTests(ITestOutputHelper output) : ServerTest(output, "Hark:Cors:Origins:0=https://app.example.com")
{
    private async Task<(HttpResponseMessage, StreamReader)> OpenAsync(string query)
    {
        var response = await Server.Client.GetAsync(query, HttpCompletionOption.ResponseHeadersRead);
        return (response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private static async Task<string> ReadUntilAsync(StreamReader reader, string marker)
    {
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        var seen = new System.Text.StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return seen.ToString();
            }
        }
        throw new EndOfStreamException($"'{marker}' never came:\n{seen}");
    }

    [Fact]
    public async Task Iframe_PostsEachMessageToTheOwnOrigin_AndNoPayloadCanCloseTheScript()
    {
        var c = HarkTestServer.NewChannel();
        var (response, reader) = await OpenAsync($"/sub/{c}?transport=iframe");
        using var _ = response;
        using var __ = reader;
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var opening = await ReadUntilAsync(reader, "hark({\"cursor\":");
        Assert.Contains($"parent.postMessage(m,\"{Server.Address.ToString().TrimEnd('/')}\")", opening);

        await Server.PublishAsync(c, "\"</script><script>alert(1)</script>\"");
        var message = await ReadUntilAsync(reader, "alert");

        Assert.DoesNotContain("</script><script>alert", message);
        Assert.Contains("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>", message);
        Assert.Contains($"\"channel\":\"{c}\"", message);
    }

    [Fact]
    public async Task Iframe_ConfiguredOrigin_IsTheOnlyTarget()
    {
        var (response, reader) = await OpenAsync($"/sub/{HarkTestServer.NewChannel()}?transport=iframe&origin=https://app.example.com");
        using var _ = response;
        using var __ = reader;
        Assert.Contains("postMessage(m,\"https://app.example.com\")", await ReadUntilAsync(reader, "postMessage"));
    }

    [Theory]
    [InlineData("https://evil.example.net")]
    [InlineData("*")]
    [InlineData("javascript:alert(1)")]
    public async Task Iframe_OtherOrigin_Is403(string origin)
    {
        using var response = await Server.Client.GetAsync($"/sub/{HarkTestServer.NewChannel()}?transport=iframe&origin={Uri.EscapeDataString(origin)}");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
