using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Hark.AspNetCore.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// Tokens from the application's own issuer: RS256 and ES256, with keys from a JWKS that a real Kestrel serves on
/// loopback (keys made here, rotated here), or from configured PEM public keys; <c>iss</c> and <c>aud</c> checked.
/// </summary>
public sealed class IssuerTokenTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Issuer = "https://issuer.test";
    private const string Audience = "hark";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _next = RSA.Create(2048);
    private ApplicationServer _issuer = null!;
    private volatile string _jwks = "";
    private int _fetches;
    private int _status = 200;

    public async Task InitializeAsync()
    {
        _jwks = KeySet(Jwk(_rsa, "rsa-1"), Jwk(_ec, "ec-1"));
        _issuer = await ApplicationServer.StartAsync(output, app => app.MapGet("/jwks.json", (HttpContext context) =>
        {
            Interlocked.Increment(ref _fetches);
            context.Response.StatusCode = _status;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(_jwks);
        }));
    }

    public async Task DisposeAsync()
    {
        await _issuer.DisposeAsync();
        _rsa.Dispose();
        _ec.Dispose();
        _next.Dispose();
    }

    private Task<HarkTestServer> StartAsync(params string[] more) => HarkTestServer.StartAsync(output,
    [
        // Without the demos, which bring an HS256 key of their own: this issuer signs only RS256 and ES256.
        "Demo:Enabled=false",
        "Hark:Subscribe:RequireToken=true",
        $"Hark:Auth:Jwks:Url={_issuer.Url("/jwks.json")}",
        $"Hark:Auth:Issuer={Issuer}",
        $"Hark:Auth:Audience={Audience}",
        .. more,
    ]);

    [Fact]
    public async Task Jwks_RsaAndEcdsaTokens_ReadTheirChannels()
    {
        await using var server = await StartAsync();

        using var rsa = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));
        using var ec = await PollAsync(server, "user.2", Token(Ec(_ec, "ec-1"), ["user.*"]));

        Assert.Equal(HttpStatusCode.OK, rsa.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ec.StatusCode);
        using var other = await PollAsync(server, "user.2", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));
        await ProblemAssert.IsAsync(other, HttpStatusCode.Forbidden, "channel-forbidden");
    }

    [Fact]
    public async Task Jwks_KeyRotation_NewKidAcceptedAndRemovedKidRefused_AfterRefresh()
    {
        await using var server = await StartAsync("Hark:Auth:Jwks:MinRefreshInterval=00:00:00");
        using var before = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var fetches = _fetches;

        // The issuer publishes a new key beside the old one: its first token makes Hark fetch the set again.
        _jwks = KeySet(Jwk(_rsa, "rsa-1"), Jwk(_next, "rsa-2"));
        using var added = await PollAsync(server, "user.1", Token(Rsa(_next, "rsa-2"), ["user.1"]));
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(fetches + 1, _fetches);

        // Then drops the old one: once Hark has fetched again, the old key's tokens are refused.
        _jwks = KeySet(Jwk(_next, "rsa-2"));
        using var unknown = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-9"), ["user.1"]));
        var refusal = await ProblemAssert.IsAsync(unknown, HttpStatusCode.Unauthorized, "invalid-token");
        Assert.Contains("rsa-9", refusal.GetProperty("detail").GetString());
        using var removed = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));
        await ProblemAssert.IsAsync(removed, HttpStatusCode.Unauthorized, "invalid-token");
        using var kept = await PollAsync(server, "user.1", Token(Rsa(_next, "rsa-2"), ["user.1"]));
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }

    [Fact]
    public async Task Jwks_UnknownKids_FetchAtMostOncePerInterval()
    {
        await using var server = await StartAsync("Hark:Auth:Jwks:MinRefreshInterval=01:00:00");
        using var first = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, _fetches);

        for (var i = 0; i < 5; i++)
        {
            using var made = await PollAsync(server, "user.1", Token(Rsa(_next, "made-up-" + i), ["user.1"]));
            await ProblemAssert.IsAsync(made, HttpStatusCode.Unauthorized, "invalid-token");
        }

        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Jwks_IssuerDown_Is503WithRetryAfter_NeverOpen()
    {
        _status = 500;
        await using var server = await StartAsync();

        using var response = await PollAsync(server, "user.1", Token(Rsa(_rsa, "rsa-1"), ["user.1"]));

        await ProblemAssert.IsAsync(response, HttpStatusCode.ServiceUnavailable, "auth-unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task WrongIssuerAudienceExpiryOrAlgorithm_Is401SayingWhich()
    {
        await using var server = await StartAsync();
        var key = Rsa(_rsa, "rsa-1");
        var now = DateTime.UtcNow;

        await RefusedAsync(server, Token(key, ["user.1"], issuer: "https://elsewhere.test"), "issuer");
        await RefusedAsync(server, Token(key, ["user.1"], audience: "another-app"), "audience");
        await RefusedAsync(server, Token(key, ["user.1"], expires: now.AddHours(-1)), "expired");
        // An RS384 token from a key in the set: the algorithm, not the key, is what is wrong.
        await RefusedAsync(server, Token(new SigningCredentials(key.Key, SecurityAlgorithms.RsaSha384), ["user.1"]), "RS256");
        // The RSA key's public form used as an HS256 secret (the classic confusion): HS256 is not accepted from this issuer.
        var confused = new SymmetricSecurityKey(_rsa.ExportSubjectPublicKeyInfo()) { KeyId = "rsa-1" };
        await RefusedAsync(server, Token(new SigningCredentials(confused, SecurityAlgorithms.HmacSha256), ["user.1"]), "RS256");
        var none = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT","kid":"rsa-1"}""") + "." + Base64UrlEncoder.Encode(
            $$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}},"channels":["user.1"]}""") + ".";
        await RefusedAsync(server, none, "");
    }

    [Fact]
    public async Task PemPublicKeys_SignTokens_WithoutAJwks()
    {
        var pemFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(pemFile, _ec.ExportSubjectPublicKeyInfoPem());
        try
        {
            await using var server = await HarkTestServer.StartAsync(output, "Demo:Enabled=false",
                "Hark:Subscribe:RequireToken=true", $"Hark:Auth:PublicKeys:0={_rsa.ExportSubjectPublicKeyInfoPem()}", $"Hark:Auth:PublicKeys:1={pemFile}");

            using var rsa = await PollAsync(server, "user.1", Token(Rsa(_rsa, null), ["user.1"], issuer: null, audience: null));
            using var ec = await PollAsync(server, "user.1", Token(Ec(_ec, "any"), ["user.1"], issuer: null, audience: null));
            using var other = await PollAsync(server, "user.1", Token(Rsa(_next, null), ["user.1"], issuer: null, audience: null));

            Assert.Equal(HttpStatusCode.OK, rsa.StatusCode);
            Assert.Equal(HttpStatusCode.OK, ec.StatusCode);
            await ProblemAssert.IsAsync(other, HttpStatusCode.Unauthorized, "invalid-token");
        }
        finally
        {
            File.Delete(pemFile);
        }
    }

    private static async Task RefusedAsync(HarkTestServer server, string token, string why)
    {
        using var response = await PollAsync(server, "user.1", token);
        var problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "invalid-token");
        Assert.Contains(why, problem.GetProperty("detail").GetString());
    }

    private static async Task<HttpResponseMessage> PollAsync(HarkTestServer server, string channels, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/sub/{channels}?timeout=0");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await server.Client.SendAsync(request);
    }

    private static SigningCredentials Rsa(RSA key, string? kid) => new(new RsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.RsaSha256);

    private static SigningCredentials Ec(ECDsa key, string? kid) => new(new ECDsaSecurityKey(key) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256);

    private static string Token(SigningCredentials credentials, string[] channels, string? issuer = Issuer, string? audience = Audience, DateTime? expires = null)
    {
        var until = expires ?? DateTime.UtcNow.AddMinutes(5);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["channels"] = channels },
            IssuedAt = until.AddMinutes(-10),
            NotBefore = until.AddMinutes(-10),
            Expires = until,
            SigningCredentials = credentials,
        });
    }

    private static string Jwk(RSA key, string kid)
    {
        var p = key.ExportParameters(false);
        return $$"""{"kty":"RSA","use":"sig","alg":"RS256","kid":"{{kid}}","n":"{{Base64UrlEncoder.Encode(p.Modulus)}}","e":"{{Base64UrlEncoder.Encode(p.Exponent)}}"}""";
    }

    private static string Jwk(ECDsa key, string kid)
    {
        var p = key.ExportParameters(false);
        return $$"""{"kty":"EC","use":"sig","alg":"ES256","crv":"P-256","kid":"{{kid}}","x":"{{Base64UrlEncoder.Encode(p.Q.X)}}","y":"{{Base64UrlEncoder.Encode(p.Q.Y)}}"}""";
    }

    private static string KeySet(params string[] keys) => $$"""{"keys":[{{string.Join(",", keys)}}]}""";
}
