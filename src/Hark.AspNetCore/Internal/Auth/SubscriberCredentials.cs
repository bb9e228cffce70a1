using System.Net;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.Auth;

/// <summary>
/// What a subscriber presents: a token (bearer header, else <c>?token=</c>), a grant from an earlier answer
/// (<c>Hark-Grant</c> header, else <c>?grant=</c>), and, for the hook, its request's headers and address.
/// </summary>
internal sealed record SubscriberCredentials(string? Token, string? Grant, IHeaderDictionary? Headers, IPAddress? Address, string Transport)
{
    /// <summary>The HTTP request subscribing, when it is one (not a socket's frame): the admin channels' key check needs it.</summary>
    public HttpContext? Context { get; init; }

    /// <summary>The header a client sends its grant back in, and the long-poll answer carries a new one in.</summary>
    public const string GrantHeader = "Hark-Grant";

    public static SubscriberCredentials Of(HttpContext context, string? queryToken, string? queryGrant, string transport)
    {
        var header = context.Request.Headers[GrantHeader].ToString();
        return new SubscriberCredentials(SubscriberGate.PresentedToken(context.Request, queryToken), header.Length > 0 ? header : queryGrant,
            context.Request.Headers, RequestLimits.AddressOf(context), transport) { Context = context };
    }
}
