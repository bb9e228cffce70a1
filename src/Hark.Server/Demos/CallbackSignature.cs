using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hark.Server.Demos;

/// <summary>
/// The identity provider's callback signature: <c>X-Idp-Timestamp</c> (Unix seconds) and
/// <c>X-Idp-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))</c>. The timestamp is signed
/// with the body so an old callback cannot be replayed outside the window.
/// </summary>
public static class CallbackSignature
{
    public const string TimestampHeader = "X-Idp-Timestamp";
    public const string SignatureHeader = "X-Idp-Signature";
    private const string Scheme = "sha256=";

    public static string Sign(byte[] secret, long timestamp, ReadOnlySpan<byte> body) =>
        Scheme + Convert.ToHexStringLower(Mac(secret, timestamp, body));

    /// <summary>Null when valid; otherwise why not.</summary>
    public static string? Check(byte[] secret, string? timestampText, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan window)
    {
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            return $"{TimestampHeader} is missing or not Unix seconds.";
        }
        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > window.TotalSeconds)
        {
            return $"{TimestampHeader} is outside the allowed window of {window.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.";
        }
        if (signature is null || !signature.StartsWith(Scheme, StringComparison.Ordinal) || signature.Length != Scheme.Length + 64)
        {
            return $"{SignatureHeader} is missing or not sha256=<64 hex digits>.";
        }
        byte[] sent;
        try
        {
            sent = Convert.FromHexString(signature.AsSpan(Scheme.Length));
        }
        catch (FormatException)
        {
            return $"{SignatureHeader} is not hex.";
        }
        return CryptographicOperations.FixedTimeEquals(sent, Mac(secret, timestamp, body)) ? null : "The signature does not match.";
    }

    private static byte[] Mac(byte[] secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret, signed);
    }
}
