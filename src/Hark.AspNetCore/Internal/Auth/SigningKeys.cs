using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Hark.AspNetCore.Internal.Auth;

/// <summary>
/// The keys a subscriber token may be signed with: the HS256 secrets, the PEM public keys, and the application's JWKS,
/// fetched on first use, again after <see cref="JwksOptions.RefreshInterval"/>, and at once when a token names a
/// <c>kid</c> the cached set lacks (at most once per <see cref="JwksOptions.MinRefreshInterval"/>). One fetch at a time;
/// a failed fetch keeps the keys from the last good one.
/// </summary>
internal sealed partial class SigningKeys
{
    /// <summary>The named <see cref="HttpClient"/> that fetches the JWKS.</summary>
    public const string HttpClientName = "Hark.Jwks";

    private readonly IReadOnlyList<SecurityKey> _fixed;
    private readonly JwksOptions _jwks;
    private readonly IHttpClientFactory? _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private Snapshot _current;
    private Task<Snapshot>? _fetching;
    private long _lastFetchStarted = long.MinValue;

    public SigningKeys(IOptions<HarkOptions> options, TimeProvider time, ILogger<SigningKeys> logger, IHttpClientFactory? http = null)
    {
        var settings = options.Value;
        _jwks = settings.Auth.Jwks;
        _http = http;
        _time = time;
        _logger = logger;
        var keys = new List<SecurityKey>();
        keys.AddRange(settings.Subscribe.TokenKeys.Select(k => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(k))));
        keys.AddRange(settings.Auth.PublicKeys.Select(ReadPem));
        _fixed = keys;
        HasSymmetric = settings.Subscribe.TokenKeys.Count > 0;
        HasAsymmetric = settings.Auth.PublicKeys.Count > 0 || HasJwks;
        _current = new Snapshot(_fixed, null, null);
    }

    /// <summary>Whether any key is configured at all: without one, no token can be valid.</summary>
    public bool Any => _fixed.Count > 0 || HasJwks;

    public bool HasSymmetric { get; }

    public bool HasAsymmetric { get; }

    private bool HasJwks => !string.IsNullOrEmpty(_jwks.Url);

    /// <summary>
    /// The keys to check a token with <paramref name="kid"/> (null when it names none) against, refreshed as the rules above
    /// say; null when the JWKS has never been fetched successfully (the issuer is unreachable: nothing can be checked).
    /// </summary>
    public async ValueTask<Snapshot?> ForAsync(string? kid, CancellationToken cancellation)
    {
        if (!HasJwks)
        {
            return _current;
        }
        var current = Volatile.Read(ref _current);
        var now = _time.GetTimestamp();
        var stale = current.FetchedAt is not { } fetched || _time.GetElapsedTime(fetched, now) >= _jwks.RefreshInterval;
        var unknownKid = kid is not null && current.KeyIds is { } ids && !ids.Contains(kid);
        // Every fetch, whatever asked for it (an unknown kid, a stale set, an issuer that was down), waits out the least
        // interval after the one before: made-up key ids and an outage alike cost the issuer one request per interval.
        var started = Interlocked.Read(ref _lastFetchStarted);
        var mayFetch = started == long.MinValue || _time.GetElapsedTime(started, now) >= _jwks.MinRefreshInterval;
        if ((stale || unknownKid) && (mayFetch || Volatile.Read(ref _fetching) is { IsCompleted: false }))
        {
            current = await RefreshAsync().WaitAsync(cancellation);
        }
        return current.FetchedAt is null ? null : current;
    }

    private Task<Snapshot> RefreshAsync()
    {
        lock (_lock)
        {
            if (_fetching is { IsCompleted: false } running)
            {
                return running;
            }
            Interlocked.Exchange(ref _lastFetchStarted, _time.GetTimestamp());
            return _fetching = FetchAsync();
        }
    }

    private async Task<Snapshot> FetchAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_jwks.Timeout, _time);
            var client = _http?.CreateClient(HttpClientName) ?? new HttpClient();
            using var response = await client.GetAsync(_jwks.Url, timeout.Token);
            response.EnsureSuccessStatusCode();
            var set = new JsonWebKeySet(await response.Content.ReadAsStringAsync(timeout.Token));
            var fromSet = set.GetSigningKeys();
            var snapshot = new Snapshot([.. _fixed, .. fromSet], fromSet.Select(k => k.KeyId).Where(k => k is not null).ToHashSet(StringComparer.Ordinal),
                _time.GetTimestamp());
            Log.Fetched(_logger, fromSet.Count, _jwks.Url!);
            Volatile.Write(ref _current, snapshot);
            return snapshot;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or ArgumentException or InvalidOperationException)
        {
            Log.FetchFailed(_logger, _jwks.Url!, e);
            return Volatile.Read(ref _current);
        }
    }

    /// <summary>A PEM public key (RSA or EC), given as its text or as the path of a file holding it.</summary>
    internal static SecurityKey ReadPem(string pemOrPath)
    {
        var pem = pemOrPath.Contains("-----BEGIN", StringComparison.Ordinal) ? pemOrPath : File.ReadAllText(pemOrPath);
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return new RsaSecurityKey(rsa);
        }
        catch (CryptographicException)
        {
        }
        catch (ArgumentException)
        {
        }
        var ec = ECDsa.Create();
        ec.ImportFromPem(pem);
        return new ECDsaSecurityKey(ec);
    }

    /// <summary>The keys at one moment, the JWKS's key ids, and when the JWKS was fetched (null before the first good fetch, or without one).</summary>
    internal sealed record Snapshot(IReadOnlyList<SecurityKey> Keys, HashSet<string>? KeyIds, long? FetchedAt);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Fetched {Count} signing keys from {Url}.", EventName = "JwksFetched")]
        public static partial void Fetched(ILogger logger, int count, string url);

        [LoggerMessage(2, LogLevel.Warning, "Could not fetch signing keys from {Url}; keeping the last good set.", EventName = "JwksFetchFailed")]
        public static partial void FetchFailed(ILogger logger, string url, Exception exception);
    }
}
