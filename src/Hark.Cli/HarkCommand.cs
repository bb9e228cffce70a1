using System.Text.Json;
using Hark.Client;
using Hark.Server;
using Microsoft.Extensions.Hosting;

namespace Hark.Cli;

using HarkMessage = Hark.Client.HarkMessage;

/// <summary>
/// <c>hark serve | pub | sub | info</c>. Output goes to the given writers (so tests run it in-process):
/// results on standard output, diagnostics and progress on standard error.
/// </summary>
internal static class HarkCommand
{
    private const string DefaultUrl = "http://127.0.0.1:8090";

    private const string Usage = """
        hark — publish to and subscribe on a Hark server

        usage:
          hark serve [server options]        run a server (ASP.NET Core options, e.g. --urls http://127.0.0.1:8090)
          hark pub <channel> [data|-]        publish data (or standard input) to a channel
          hark sub <channel>...              print messages as they are published
          hark info <channel>                show a channel's history length, cursor and subscribers

        common options:
          --url URL     server address (default: $HARK_URL or http://127.0.0.1:8090)
          --key KEY     publisher key (default: $HARK_KEY)
          -h, --help    help for a command

        exit codes: 0 ok, 1 refused by the server or no such channel, 2 bad command line, 3 server unreachable
        """;

    private const string PubUsage = """
        usage: hark pub <channel> [data|-] [--event NAME] [--json] [--url URL] [--key KEY]

        Publishes data to the channel; with no data or '-', reads standard input. Text by default;
        --json sends it as JSON (the server rejects invalid JSON). Prints the server's answer:
        {"channel","seq","cursor","subscribers"}.
        """;

    private const string SubUsage = """
        usage: hark sub <channel>... [--cursor CURSOR] [--format json|text] [--count N] [--transport longpoll|stream|ws] [--token TOKEN] [--url URL]

        Prints each message as it is published, one per line: the whole message object (--format json,
        the default) or just its data (--format text). Resumes from --cursor if given (or 'oldest'),
        else starts from now. Gaps and a deleted channel are reported on standard error. --count stops
        after N messages. --transport: longpoll (the default), stream (one NDJSON stream; --stream for short)
        or ws (one WebSocket); each resumes from its cursor when the connection drops. --token (default
        $HARK_TOKEN) is the subscriber token when the server requires one. Ctrl+C stops.
        """;

    private const string InfoUsage = """
        usage: hark info <channel> [--url URL] [--key KEY]

        Prints the channel's state: messages and bytes in history, first and last sequence numbers,
        its cursor, waiting subscribers, when it was last published to.
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdin, stdout, stderr, showStatus: false, cancellationToken);

    // showStatus: keep a live status line on standard error (output goes elsewhere, a person watches the terminal).
    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, bool showStatus, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? ExitCode.Usage : ExitCode.Ok;
        }
        if (args[0] == "serve")
        {
            // The demo page ships beside the tool; serve it whatever folder the command runs in.
            string[] serveArgs = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
                ? args[1..]
                : [$"--contentRoot={AppContext.BaseDirectory}", .. args[1..]];
            await using var app = HarkApp.Create(serveArgs);
            await app.StartAsync(cancellationToken);
            await app.WaitForShutdownAsync(cancellationToken);
            return ExitCode.Ok;
        }
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args[1..], flags: ["json", "stream", "help", "h"]);
        }
        catch (ArgumentException e)
        {
            await stderr.WriteLineAsync(e.Message);
            return ExitCode.Usage;
        }
        var (usage, run) = args[0] switch
        {
            "pub" => (PubUsage, (Func<Task<int>>)(() => PublishAsync(line, stdin, stdout, cancellationToken))),
            "sub" => (SubUsage, () => SubscribeAsync(line, stdout, stderr, showStatus, cancellationToken)),
            "info" => (InfoUsage, () => InfoAsync(line, stdout, stderr, cancellationToken)),
            _ => (Usage, null),
        };
        if (run is null || line.Has("help") || line.Has("h"))
        {
            await (run is null ? stderr : stdout).WriteLineAsync(run is null ? $"unknown command '{args[0]}'\n\n{Usage}" : usage);
            return run is null ? ExitCode.Usage : ExitCode.Ok;
        }
        try
        {
            return await run();
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"{e.Message}\n\n{usage}");
            return ExitCode.Usage;
        }
        catch (HarkException e)
        {
            await stderr.WriteLineAsync(e.Message);
            return ExitCode.Refused;
        }
        catch (HttpRequestException e)
        {
            await stderr.WriteLineAsync($"cannot reach the server: {e.Message}");
            return ExitCode.Unreachable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCode.Ok;
        }
    }

    private static async Task<int> PublishAsync(CommandLine line, TextReader stdin, TextWriter stdout, CancellationToken cancellationToken)
    {
        var channel = line.Positional.ElementAtOrDefault(0) ?? throw new UsageException("pub needs a channel");
        if (line.Positional.Count > 2)
        {
            throw new UsageException("pub takes one channel and one data argument (quote data with spaces)");
        }
        var data = line.Positional.ElementAtOrDefault(1) is { } given && given != "-" ? given : await stdin.ReadToEndAsync(cancellationToken);
        using var http = new HttpClient();
        var client = Client(line, http);
        var result = line.Has("json")
            ? await client.PublishJsonAsync(channel, ParseJson(data), line.Value("event"), cancellationToken)
            : await client.PublishAsync(channel, data, line.Value("event"), cancellationToken);
        await stdout.WriteLineAsync(JsonSerializer.Serialize(result, Json));
        return ExitCode.Ok;
    }

    private static async Task<int> SubscribeAsync(CommandLine line, TextWriter stdout, TextWriter stderr, bool showStatus, CancellationToken cancellationToken)
    {
        if (line.Positional.Count == 0)
        {
            throw new UsageException("sub needs at least one channel");
        }
        var format = line.Value("format") ?? "json";
        if (format is not ("json" or "text"))
        {
            throw new UsageException($"--format is json or text, not '{format}'");
        }
        var count = line.Value("count") is { } n ? (int.TryParse(n, out var c) && c > 0 ? c : throw new UsageException("--count is a positive number")) : int.MaxValue;
        var transport = line.Has("stream") ? SubscribeTransport.Stream : line.Value("transport") switch
        {
            null or "longpoll" or "long-poll" => SubscribeTransport.LongPoll,
            "stream" or "ndjson" => SubscribeTransport.Stream,
            "ws" or "websocket" => SubscribeTransport.WebSocket,
            var other => throw new UsageException($"--transport is longpoll, stream or ws, not '{other}'"),
        };
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var client = Client(line, http, transport);
        await stderr.WriteLineAsync($"listening on {string.Join(", ", line.Positional)} over {Describe(transport)} (Ctrl+C to stop)");
        var received = 0;
        await foreach (var e in client.SubscribeAsync(line.Positional, line.Value("cursor"), cancellationToken))
        {
            switch (e)
            {
                case HarkMessage m:
                    await stdout.WriteLineAsync(format == "text" ? m.Text : JsonSerializer.Serialize(m, Json));
                    await stdout.FlushAsync(cancellationToken);
                    if (showStatus)
                    {
                        await stderr.WriteAsync($"\r{received + 1} received, last: {m.Channel} #{m.Seq} at {m.Time:HH:mm:ss}   ");
                    }
                    if (++received >= count)
                    {
                        return ExitCode.Ok;
                    }
                    break;
                case HarkGap g:
                    await stderr.WriteLineAsync("gap: " + string.Join("; ", g.Channels.Select(x => $"{x.Channel} {x.Reason}{(x.Missed is { } k ? $", {k} missed" : "")}")));
                    break;
                case HarkChannelClosed closed:
                    await stderr.WriteLineAsync($"channel {closed.Channel} was deleted");
                    return ExitCode.Ok;
            }
        }
        return ExitCode.Ok;
    }

    private static string Describe(SubscribeTransport transport) => transport switch
    {
        SubscribeTransport.Stream => "an NDJSON stream",
        SubscribeTransport.WebSocket => "a WebSocket",
        _ => "long-polling",
    };

    private static async Task<int> InfoAsync(CommandLine line, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var channel = line.Positional.ElementAtOrDefault(0) ?? throw new UsageException("info needs a channel");
        using var http = new HttpClient();
        var info = await Client(line, http).GetChannelAsync(channel, cancellationToken);
        if (info is null)
        {
            await stderr.WriteLineAsync($"no channel '{channel}' (no history and no subscribers)");
            return ExitCode.Refused;
        }
        await stdout.WriteLineAsync(JsonSerializer.Serialize(info, Json));
        return ExitCode.Ok;
    }

    private static HarkClient Client(CommandLine line, HttpClient http, SubscribeTransport transport = SubscribeTransport.LongPoll)
    {
        var url = line.Value("url") ?? Environment.GetEnvironmentVariable("HARK_URL") ?? DefaultUrl;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var address))
        {
            throw new UsageException($"--url '{url}' is not an address like {DefaultUrl}");
        }
        return new HarkClient(http, new HarkClientOptions
        {
            BaseAddress = address,
            PublisherKey = line.Value("key") ?? Environment.GetEnvironmentVariable("HARK_KEY"),
            SubscriberToken = line.Value("token") ?? Environment.GetEnvironmentVariable("HARK_TOKEN"),
            Transport = transport,
        });
    }

    private static JsonElement ParseJson(string data)
    {
        try
        {
            return JsonDocument.Parse(data).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new UsageException($"--json: the data is not valid JSON ({e.Message})");
        }
    }
}
