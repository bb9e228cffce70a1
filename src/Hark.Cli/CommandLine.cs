namespace Hark.Cli;

/// <summary>Positional arguments and <c>--name value</c> options; names in <c>flags</c> take no value.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> flags)
    {
        var line = new CommandLine();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.StartsWith('-') && arg != "-")
            {
                var name = arg.TrimStart('-');
                if (flags.Contains(name))
                {
                    line._options[name] = null;
                }
                else if (i + 1 < args.Count)
                {
                    line._options[name] = args[++i];
                }
                else
                {
                    throw new ArgumentException($"option {arg} needs a value");
                }
            }
            else
            {
                line.Positional.Add(arg);
            }
        }
        return line;
    }

    public bool Has(string name) => _options.ContainsKey(name);

    public string? Value(string name) => _options.GetValueOrDefault(name);
}
