namespace Hark.Client;

/// <summary>A client present on a channel.</summary>
/// <param name="Client">The id it subscribed with (<c>client=</c>).</param>
/// <param name="User">Who its credentials named (a token's <c>sub</c>, the authorization hook's <c>user</c>); null without credentials.</param>
/// <param name="Transport">How it last came: <c>longpoll</c>, <c>poll</c>, <c>sse</c>, <c>ndjson</c>, <c>iframe</c> or <c>ws</c>.</param>
/// <param name="Since">When it joined.</param>
public sealed record HarkPresentClient(string Client, string? User, string Transport, DateTimeOffset Since);
