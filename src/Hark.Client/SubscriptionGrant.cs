namespace Hark.Client;

/// <summary>
/// The grant the server's authorization hook issued for one subscription (the <c>Hark-Grant</c> header of an answer, a
/// stream's <c>grant</c> line, a socket's <c>subscribed</c> frame), sent back on every later request of the
/// subscription so the hook is asked once, not on every poll.
/// </summary>
internal sealed class SubscriptionGrant
{
    /// <summary>The header a grant travels in, both ways.</summary>
    public const string Header = "Hark-Grant";

    public string? Value { get; set; }

    /// <summary>
    /// A refusal of the grant itself (signed by another deployment's key, or damaged): forget it and try again at once,
    /// so the server asks its hook afresh. Null for any other refusal.
    /// </summary>
    public Attempt? Dropped(string? problemType)
    {
        if (problemType != "invalid-grant" || Value is null)
        {
            return null;
        }
        Value = null;
        return new Attempt([], TimeSpan.Zero);
    }

    public void AddTo(HttpRequestMessage request)
    {
        if (Value is { } grant)
        {
            request.Headers.TryAddWithoutValidation(Header, grant);
        }
    }

    public void ReadFrom(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues(Header, out var values) && values.FirstOrDefault() is { Length: > 0 } grant)
        {
            Value = grant;
        }
    }
}
