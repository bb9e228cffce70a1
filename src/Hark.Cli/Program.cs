using Hark.Cli;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
// Messages on a terminal are their own progress; when they go to a file or pipe, show a status line instead.
var showStatus = Console.IsOutputRedirected && !Console.IsErrorRedirected;
return await HarkCommand.RunAsync(args, Console.In, Console.Out, Console.Error, showStatus, stop.Token);
