namespace Hark.AspNetCore.Internal;

/// <summary>
/// Reads a few named values straight from the raw query string. A subscription asks for at most six
/// keys, so scanning beats building the framework's query dictionary on every poll.
/// </summary>
internal readonly struct QueryReader(string? query) : ISubscribeParameters
{
    private readonly string _query = query ?? "";

    /// <summary>The first value of <paramref name="name"/>, unescaped; false when the key is absent.</summary>
    public bool TryGet(string name, out string value)
    {
        var rest = _query.AsSpan();
        if (rest.StartsWith('?'))
        {
            rest = rest[1..];
        }
        while (!rest.IsEmpty)
        {
            var amp = rest.IndexOf('&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            var eq = pair.IndexOf('=');
            var key = eq < 0 ? pair : pair[..eq];
            // Case-insensitive, as the framework's own query collection is.
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                var raw = eq < 0 ? [] : pair[(eq + 1)..];
                value = raw.ContainsAny('%', '+') ? Uri.UnescapeDataString(raw.ToString().Replace('+', ' ')) : raw.ToString();
                return true;
            }
        }
        value = "";
        return false;
    }

    public string Get(string name) => TryGet(name, out var value) ? value : "";
}
