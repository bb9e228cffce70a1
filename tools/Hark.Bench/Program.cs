using System.Text.Json;
using Hark.Bench;
using Hark.Bench.Reporting;
using Hark.Bench.Scenarios;
using Hark.Bench.Targets;

const string Usage = """
    hark-bench run spread --url http://127.0.0.1:P1,http://127.0.0.1:P2,... [--subscribers N] [--messages K] [--round-seconds S]
    hark-bench run <hold|fanout|sse|ws|throughput> --target hark|nchan|hark-nchan --url http://127.0.0.1:PORT[/nchan]
               [--pid PID[,PID]] [--subscribers N] [--messages K] [--steps 1000,5000,...] [--one-channel] [--ws]
               [--channels C] [--per-channel S] [--rates 500,1000,...] [--step-seconds S] [--publishers P]
               [--sources 8] [--repeat N] [--out result.json]
    hark-bench report --results DIR --out docs/benchmarks.md [--plots docs/bench] [--command "how it was run"] [--notes FILE]
    """;

try
{
    var arguments = new Arguments(args);
    if (arguments.Positional is ["worker"])
    {
        // A share of a spread fan-out, started by "run spread" itself.
        return await SpreadWorker.RunAsync(new Uri(arguments.Text("url")!), arguments.Text("channel")!, arguments.Text("cursor")!,
            arguments.Int("subscribers", 0), arguments.Int("messages", 0), arguments.Int("sources", 8), arguments.Text("latencies")!);
    }
    if (arguments.Positional is ["run", "spread"])
    {
        return await RunSpread(arguments);
    }
    if (arguments.Positional is ["run", var scenario])
    {
        return await Run(scenario, arguments);
    }
    if (arguments.Positional is ["report"])
    {
        var results = arguments.Text("results") ?? throw new ArgumentException("--results is required");
        var output = arguments.Text("out") ?? "docs/benchmarks.md";
        var plots = arguments.Text("plots") ?? Path.Combine(Path.GetDirectoryName(output) ?? ".", "bench");
        var command = arguments.Text("command");
        var notes = arguments.Text("notes");
        arguments.ThrowOnUnknown();
        new ReportWriter(results, output, plots, command, notes).Write();
        Console.WriteLine($"Wrote {output} and plots in {plots}");
        return 0;
    }
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

static async Task<int> RunSpread(Arguments arguments)
{
    var nodes = (arguments.Text("url") ?? throw new ArgumentException("--url is required"))
        .Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => new Uri(u)).ToList();
    var defaults = new BenchSettings();
    var settings = defaults with
    {
        Subscribers = arguments.Int("subscribers", defaults.Subscribers),
        Messages = arguments.Int("messages", defaults.Messages),
        SourceAddresses = arguments.Int("sources", defaults.SourceAddresses),
        RoundTimeout = TimeSpan.FromSeconds(arguments.Int("round-seconds", 60)),
        ConnectTimeout = TimeSpan.FromSeconds(arguments.Int("connect-seconds", 300)),
    };
    var output = arguments.Text("out");
    arguments.ThrowOnUnknown();
    using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(30));
    var progress = new ConsoleProgress();
    var result = await new SpreadScenario(nodes, settings, progress).RunAsync(cancel.Token);
    progress.Done();
    if (output is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, BenchJsonContext.Default.ScenarioResult));
    }
    Summary.Print(result);
    return result.Lost == 0 && result.Duplicates == 0 ? 0 : 1;
}

static async Task<int> Run(string scenario, Arguments arguments)
{
    var url = new Uri(arguments.Text("url") ?? throw new ArgumentException("--url is required"));
    using Target target = (arguments.Text("target") ?? "hark") switch
    {
        "hark" => new HarkTarget(url),
        "nchan" => new NchanTarget(url),
        // Hark's Nchan door, driven as Nchan is: --url http://127.0.0.1:PORT (the door at /nchan) or http://127.0.0.1:PORT/prefix.
        "hark-nchan" => HarkNchanTarget.For(url),
        var other => throw new ArgumentException($"Unknown target '{other}'"),
    };
    var pids = (arguments.Text("pid") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
    var defaults = new BenchSettings();
    var settings = defaults with
    {
        Subscribers = arguments.Int("subscribers", defaults.Subscribers),
        Messages = arguments.Int("messages", defaults.Messages),
        Channels = arguments.Int("channels", defaults.Channels),
        SubscribersPerChannel = arguments.Int("per-channel", defaults.SubscribersPerChannel),
        HoldSteps = arguments.Ints("steps", defaults.HoldSteps),
        OneChannel = arguments.Flag("one-channel"),
        WebSocket = arguments.Flag("ws"),
        Rates = arguments.Ints("rates", defaults.Rates),
        StepDuration = TimeSpan.FromSeconds(arguments.Int("step-seconds", (int)defaults.StepDuration.TotalSeconds)),
        Publishers = arguments.Int("publishers", defaults.Publishers),
        SourceAddresses = arguments.Int("sources", defaults.SourceAddresses),
        ServerPids = pids,
    };
    var output = arguments.Text("out");
    var repeat = arguments.Int("repeat", 1);
    arguments.ThrowOnUnknown();
    if (repeat < 1 || (repeat > 1 && scenario.StartsWith("hold", StringComparison.Ordinal)))
    {
        throw new ArgumentException("--repeat is 1 or more, and only for fanout, sse, ws and throughput");
    }

    using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20 * repeat));
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };
    var progress = new ConsoleProgress();
    async Task<ScenarioResult> RunOnceAsync() => scenario switch
    {
        "hold" => await new HoldScenario(target, settings, pids.Count > 0 ? pids : throw new ArgumentException("hold needs --pid"), progress).RunAsync(cancel.Token),
        "fanout" => await new FanoutScenario(target, settings, progress).RunAsync(FanoutTransport.LongPoll, cancel.Token),
        "sse" => await new FanoutScenario(target, settings, progress).RunAsync(FanoutTransport.Sse, cancel.Token),
        "ws" => await new FanoutScenario(target, settings, progress).RunAsync(FanoutTransport.WebSocket, cancel.Token),
        "throughput" => await new ThroughputScenario(target, settings, progress).RunAsync(cancel.Token),
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'"),
    };
    var runs = new List<ScenarioResult>();
    for (var i = 0; i < repeat; i++)
    {
        runs.Add(await RunOnceAsync());
    }
    var result = repeat == 1 ? runs[0] : RepeatedRuns.Median(runs);
    progress.Done();
    var json = JsonSerializer.Serialize(result, BenchJsonContext.Default.ScenarioResult);
    if (output is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        await File.WriteAllTextAsync(output, json);
    }
    Summary.Print(result);
    return result.Lost == 0 && result.Duplicates == 0 ? 0 : 1;
}
