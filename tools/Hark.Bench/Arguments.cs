using System.Globalization;

namespace Hark.Bench;

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing; unknown options are an error, not ignored.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    _options[pending] = null;
                }
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                _options[pending] = arg;
                pending = null;
            }
            else
            {
                Positional.Add(arg);
            }
        }
        if (pending is not null)
        {
            _options[pending] = null;
        }
    }

    public List<string> Positional { get; } = [];

    public string? Text(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var value) ? value : null;
    }

    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public int Int(string name, int fallback) => Text(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback) =>
        Text(name) is { } v ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : fallback;

    public void ThrowOnUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
