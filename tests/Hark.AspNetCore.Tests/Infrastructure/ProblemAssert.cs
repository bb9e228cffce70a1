using System.Net;
using System.Text.Json;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>Checks an RFC 9457 problem answer: status, media type, <c>urn:hark:problem:</c> type, title and detail.</summary>
public static class ProblemAssert
{
    /// <summary>Checks a problem answer; <paramref name="type"/> follows <c>urn:hark:problem:</c> unless <paramref name="prefixed"/> says it is whole.</summary>
    public static async Task<JsonElement> IsAsync(HttpResponseMessage response, HttpStatusCode status, string type, bool prefixed = false)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.Equal(prefixed ? type : "urn:hark:problem:" + type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
