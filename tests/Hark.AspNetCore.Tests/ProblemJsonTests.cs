using System.Text.Json;
using Hark.AspNetCore.Internal;

namespace Hark.AspNetCore.Tests;

/// <summary>The problem object written without an HttpContext (the direct long-poll path) carries every member.</summary>
public sealed class ProblemJsonTests
{
    [Fact]
    public void ToJson_WritesTheStandardMembers_TheTraceId_AndEveryExtension()
    {
        var problem = new Problem(409, "stale-version", "A newer version was published", "Version 2 isn't newer than 3; it's refused.")
        {
            Members = new Dictionary<string, object?> { ["channel"] = "a", ["version"] = 3L, ["cursor"] = null },
        };

        var json = JsonDocument.Parse(problem.ToJson("/sub/a", "conn:00000001")).RootElement;

        Assert.Equal("urn:hark:problem:stale-version", json.GetProperty("type").GetString());
        Assert.Equal("A newer version was published", json.GetProperty("title").GetString());
        Assert.Equal(409, json.GetProperty("status").GetInt32());
        Assert.Equal("Version 2 isn't newer than 3; it's refused.", json.GetProperty("detail").GetString());
        Assert.Equal("/sub/a", json.GetProperty("instance").GetString());
        Assert.Equal("conn:00000001", json.GetProperty("traceId").GetString());
        Assert.Equal("a", json.GetProperty("channel").GetString());
        Assert.Equal(3, json.GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("cursor").ValueKind);
    }

    [Fact]
    public void ToJson_LeavesApostrophesAsTheyAre_AsTheFrameworksWriterDoes()
    {
        var bytes = new Problem(400, "invalid-cursor", "Invalid cursor", "'x' is not a cursor").ToJson("/sub/a", "t");

        Assert.Contains("\"detail\":\"'x' is not a cursor\"", System.Text.Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }
}
