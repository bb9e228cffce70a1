using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Server.Demos;

namespace Hark.AspNetCore.Tests.Demos;

/// <summary>The scan-to-log-in flow's server side, over real HTTP.</summary>
public sealed class QrLoginTests(ITestOutputHelper output)
    : ServerTest(output, HarkTestServer.Development, "Demos:IdentityProviderSecret=" + Secret, "Demos:QrTicketLifetime=00:00:03", "Demos:MaxQrTickets=20")
{
    private const string Secret = "a test secret shared with the identity provider";

    private async Task<JsonElement> CreateAsync()
    {
        using var response = await Server.Client.PostAsync("/api/qr-login", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> CallbackAsync(string body, string? secret = Secret, long? timestamp = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var at = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/qr-login/authorize") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(CallbackSignature.TimestampHeader, at.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (secret is not null)
        {
            request.Headers.Add(CallbackSignature.SignatureHeader, CallbackSignature.Sign(Encoding.UTF8.GetBytes(secret), at, bytes));
        }
        return Server.Client.SendAsync(request);
    }

    private static string Authorization(JsonElement ticket, string user = "alice") =>
        JsonSerializer.Serialize(new { ticket = ticket.GetProperty("ticket").GetString(), user });

    private async Task<JsonElement> NextLoginEventAsync(JsonElement ticket)
    {
        var answer = await Server.PollAsync($"/sub/{ticket.GetProperty("channel").GetString()}?cursor={ticket.GetProperty("cursor").GetString()}&timeout=20")
            .WaitAsync(HarkTestServer.Patience);
        return answer.GetProperty("messages")[0].GetProperty("data");
    }

    [Fact]
    public async Task QrLogin_Create_GivesAQrCodeOfThePhoneUrlAndACursor()
    {
        var ticket = await CreateAsync();
        Assert.StartsWith("data:image/png;base64,", ticket.GetProperty("qr").GetString());
        Assert.Contains("/qr/" + ticket.GetProperty("ticket").GetString(), ticket.GetProperty("phoneUrl").GetString());
        Assert.Contains("exp=", ticket.GetProperty("phoneUrl").GetString());
        using var phone = await Server.Client.GetAsync(new Uri(ticket.GetProperty("phoneUrl").GetString()!));
        Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
        Assert.Equal("text/html", phone.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task QrLogin_ProviderApproves_LoginPageHearsItAndGetsASession()
    {
        var ticket = await CreateAsync();
        var heard = NextLoginEventAsync(ticket);
        using var approve = await Server.Client.PostAsJsonAsync("/idp/approve", new { ticket = ticket.GetProperty("ticket").GetString(), user = "alice" });
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var login = await heard;
        Assert.Equal("authorized", login.GetProperty("state").GetString());
        Assert.Equal("alice", login.GetProperty("user").GetString());

        using var session = await Server.Client.PostAsJsonAsync($"/api/qr-login/{ticket.GetProperty("ticket").GetString()}/session",
            new { browserKey = ticket.GetProperty("browserKey").GetString() });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var cookie = session.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var meAnswer = await Server.Client.SendAsync(me);
        Assert.Equal("alice", (await meAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("user").GetString());

        using var again = await Server.Client.PostAsJsonAsync($"/api/qr-login/{ticket.GetProperty("ticket").GetString()}/session",
            new { browserKey = ticket.GetProperty("browserKey").GetString() });
        await ProblemAssert.IsAsync(again, HttpStatusCode.Conflict, "urn:hark:demo:ticket-used", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_SecondAuthorization_Is409()
    {
        var ticket = await CreateAsync();
        using var first = await CallbackAsync(Authorization(ticket));
        using var second = await CallbackAsync(Authorization(ticket, "mallory"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await ProblemAssert.IsAsync(second, HttpStatusCode.Conflict, "urn:hark:demo:ticket-used", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_BadSignature_Is401AndChangesNothing()
    {
        var ticket = await CreateAsync();
        using var forged = await CallbackAsync(Authorization(ticket), secret: "not the shared secret at all, guessed");
        using var unsigned = await CallbackAsync(Authorization(ticket), secret: null);
        using var old = await CallbackAsync(Authorization(ticket), timestamp: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        foreach (var response in new[] { forged, unsigned, old })
        {
            await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "urn:hark:demo:bad-signature", prefixed: true);
        }
        using var state = await Server.Client.GetAsync($"/api/qr-login/{ticket.GetProperty("ticket").GetString()}");
        Assert.Equal("pending", (await state.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task QrLogin_UnknownTicket_Is404()
    {
        using var response = await CallbackAsync("{\"ticket\":\"no-such-ticket\",\"user\":\"alice\"}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, "urn:hark:demo:unknown-ticket", prefixed: true);
        using var page = await Server.Client.GetAsync("/api/qr-login/no-such-ticket");
        await ProblemAssert.IsAsync(page, HttpStatusCode.NotFound, "urn:hark:demo:unknown-ticket", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_WrongBrowserKey_Is403()
    {
        var ticket = await CreateAsync();
        using var _ = await CallbackAsync(Authorization(ticket));
        using var session = await Server.Client.PostAsJsonAsync($"/api/qr-login/{ticket.GetProperty("ticket").GetString()}/session", new { browserKey = "guess" });
        await ProblemAssert.IsAsync(session, HttpStatusCode.Forbidden, "urn:hark:demo:wrong-browser", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_Cancel_LoginPageHearsIt()
    {
        var ticket = await CreateAsync();
        var heard = NextLoginEventAsync(ticket);
        using var cancel = await Server.Client.PostAsync($"/api/qr-login/{ticket.GetProperty("ticket").GetString()}/cancel", null);
        Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        Assert.Equal("cancelled", (await heard).GetProperty("state").GetString());
        using var late = await CallbackAsync(Authorization(ticket));
        await ProblemAssert.IsAsync(late, HttpStatusCode.Conflict, "urn:hark:demo:ticket-cancelled", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_Expiry_LoginPageHearsItAndLateApprovalIs410()
    {
        var ticket = await CreateAsync();
        Assert.Equal("expired", (await NextLoginEventAsync(ticket)).GetProperty("state").GetString());
        using var late = await CallbackAsync(Authorization(ticket));
        await ProblemAssert.IsAsync(late, HttpStatusCode.Gone, "urn:hark:demo:ticket-expired", prefixed: true);
    }

    [Fact]
    public async Task QrLogin_TooManyOpenCodes_Is503WithRetryAfter()
    {
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 21 && refused is null; i++)
        {
            var response = await Server.Client.PostAsync("/api/qr-login", null);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                response.Dispose();
                continue;
            }
            refused = response;
        }
        Assert.NotNull(refused);
        using (refused)
        {
            await ProblemAssert.IsAsync(refused, HttpStatusCode.ServiceUnavailable, "urn:hark:demo:too-many-tickets", prefixed: true);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task QrLogin_OversizedCallback_Is413()
    {
        using var response = await CallbackAsync("{\"ticket\":\"" + new string('x', 5000) + "\",\"user\":\"a\"}");
        await ProblemAssert.IsAsync(response, HttpStatusCode.RequestEntityTooLarge, "urn:hark:demo:body-too-large", prefixed: true);
    }
}
