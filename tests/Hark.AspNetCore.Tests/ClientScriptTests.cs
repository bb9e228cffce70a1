using System.Net;
using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hark.AspNetCore.Tests;

/// <summary>The browser client served by MapHark at /hark.js and /hark.d.ts.</summary>
public sealed class ClientScriptTests(ITestOutputHelper output) : ServerTest(output)
{
    private static string RepositoryFile(string path)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"{path} not found above {AppContext.BaseDirectory}");
    }

    [Theory]
    [InlineData("/hark.js", "text/javascript; charset=utf-8", "clients/js/hark.js")]
    [InlineData("/hark.d.ts", "application/typescript", "clients/js/hark.d.ts")]
    public async Task ClientFile_IsTheFileInClientsJs_WithAStrongETagAndNoCache(string url, string contentType, string source)
    {
        using var response = await Server.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.ToString());
        Assert.Equal(await File.ReadAllBytesAsync(RepositoryFile(source)), await response.Content.ReadAsByteArrayAsync());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("{0}", HttpStatusCode.NotModified)]
    [InlineData("W/{0}", HttpStatusCode.NotModified)]
    [InlineData("\"other\", {0}", HttpStatusCode.NotModified)]
    [InlineData("*", HttpStatusCode.NotModified)]
    [InlineData("\"other\"", HttpStatusCode.OK)]
    public async Task ClientFile_IfNoneMatch_AnswersNotModifiedOnlyForItsETag(string ifNoneMatch, HttpStatusCode expected)
    {
        using var first = await Server.Client.GetAsync("/hark.js");
        var etag = first.Headers.ETag!.Tag;
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hark.js");
        request.Headers.TryAddWithoutValidation("If-None-Match", string.Format(System.Globalization.CultureInfo.InvariantCulture, ifNoneMatch, etag));

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag?.Tag);
        if (expected == HttpStatusCode.NotModified)
        {
            Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task ClientFile_Head_SendsTheHeadersWithoutTheBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/hark.js");

        using var response = await Server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.ContentLength > 1000);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ClientFile_UnderAPrefix_IsServedNextToTheEndpoints()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new TestOutputLoggerProvider(Output));
        builder.Services.AddHark();
        await using var app = builder.Build();
        app.MapHark("/push");
        await app.StartAsync().WaitAsync(HarkTestServer.Patience);
        using var client = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };

        using var script = await client.GetAsync("/push/hark.js");
        using var types = await client.GetAsync("/push/hark.d.ts");
        using var root = await client.GetAsync("/hark.js");

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("function subscribe(", await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, types.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
        await app.StopAsync().WaitAsync(HarkTestServer.Patience);
    }
}
