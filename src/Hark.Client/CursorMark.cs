namespace Hark.Client;

/// <summary>A stream's position with nothing to yield: the starting cursor of an NDJSON stream or a socket's subscription.</summary>
internal sealed record CursorMark(string Cursor) : HarkEvent(Cursor);
