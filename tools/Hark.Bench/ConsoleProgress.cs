using Hark.Bench.Scenarios;
using Spectre.Console;

namespace Hark.Bench;

/// <summary>Shows progress: a live status line on a terminal, a plain line at most every two seconds when redirected.</summary>
internal sealed class ConsoleProgress : IProgressSink
{
    private readonly Lock _gate = new();
    private long _lastPrinted;

    public void Report(string status)
    {
        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (!Console.IsOutputRedirected)
            {
                AnsiConsole.Markup($"\r[grey]{Markup.Escape(status.PadRight(Math.Max(10, Console.WindowWidth - 1))[..Math.Max(10, Console.WindowWidth - 1)])}[/]");
                return;
            }
            if (now - _lastPrinted >= 2000)
            {
                _lastPrinted = now;
                Console.WriteLine(status);
            }
        }
    }

    public void Done()
    {
        if (!Console.IsOutputRedirected)
        {
            Console.WriteLine();
        }
    }
}
