namespace Hark.Client;

/// <summary>Who is on a channel that tracks presence, as <c>GET /pub/{channel}/presence</c> answers.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Count">How many clients are present, exactly.</param>
/// <param name="Clients">The earliest of them (by <see cref="HarkPresentClient.Since"/>), at most the limit asked or the server's.</param>
/// <param name="Cursor">A cursor of the companion channel <c>~presence.{channel}</c>, read just before the list: no join or leave after it is missed from there.</param>
public sealed record HarkPresence(string Channel, int Count, IReadOnlyList<HarkPresentClient> Clients, string Cursor);
