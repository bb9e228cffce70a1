using System.Text.Json;
using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// Bad input and limits answer the same on a shared store as on the memory engine: the same requests, sent to a memory
/// node and to a node on the store (real server processes with the same limits), get the same statuses, problem types,
/// gaps and messages, and never a 5xx.
/// </summary>
public abstract class BadInputConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ProcessNodes _nodes = new(output);

    /// <summary>The environment that puts a node on the store (<c>Hark__Engine</c> and its settings).</summary>
    protected abstract IReadOnlyDictionary<string, string> NodeSettings { get; }

    private static readonly Dictionary<string, string> Limits = new()
    {
        ["Hark__Limits__MaxChannelsPerRequest"] = "3",
        ["Hark__Limits__MaxMessageBytes"] = "1024",
        ["Hark__Limits__MaxBatchMessages"] = "5",
        ["Hark__History__MaxMessages"] = "3",
    };

    [Fact]
    public async Task EveryRefusalAndGap_IsTheMemoryEngines()
    {
        var store = new Dictionary<string, string>(NodeSettings);
        foreach (var (key, value) in Limits)
        {
            store[key] = value;
        }
        var nodes = await Task.WhenAll(_nodes.StartAsync("memory", Limits), _nodes.StartAsync("store", store));

        var onMemory = await OutcomesAsync(nodes[0].Address);
        var onStore = await OutcomesAsync(nodes[1].Address);

        output.WriteLine(string.Join('\n', onStore));
        Assert.DoesNotContain(onMemory.Concat(onStore), o => o.StartsWith('5'));
        Assert.Equal(onMemory, onStore);
    }

    /// <summary>Each request's answer without what differs by engine (cursors, epochs, times): status, problem type, gaps, data.</summary>
    private async Task<List<string>> OutcomesAsync(Uri node)
    {
        var http = _nodes.Http;
        var c = "b" + Guid.NewGuid().ToString("N")[..12];
        var outcomes = new List<string>();
        async Task Add(string what, HttpMethod method, string path, string? body = null, string contentType = "text/plain")
        {
            var (status, text) = await http.SendAsync(node, method, path, body, contentType);
            outcomes.Add($"{(int)status} {what}: {Describe(text)}");
        }

        await Add("malformed cursor", HttpMethod.Get, $"/sub/{c}?cursor=garbage&timeout=0");
        await Add("invalid channel", HttpMethod.Get, "/sub/bad%20name?timeout=0");
        await Add("too many channels", HttpMethod.Get, $"/sub/{c}1,{c}2,{c}3,{c}4?timeout=0");
        await Add("bad timeout", HttpMethod.Get, $"/sub/{c}?timeout=abc");
        await Add("bad last", HttpMethod.Get, $"/sub/{c}?last=-1&timeout=0");
        await Add("message too big", HttpMethod.Post, $"/pub/{c}", new string('x', 2000));
        await Add("invalid JSON", HttpMethod.Post, $"/pub/{c}", "{bad", "application/json");
        await Add("batch too long", HttpMethod.Post, "/pub",
            JsonSerializer.Serialize(Enumerable.Range(0, 6).Select(i => new { channel = c, data = "d" + i })), "application/json");
        await Add("publish on an invalid channel", HttpMethod.Post, "/pub/bad%20name", "x");
        await Add("version 5", HttpMethod.Post, $"/pub/{c}v?version=5", "v5");
        await Add("stale version 3", HttpMethod.Post, $"/pub/{c}v?version=3", "v3");
        await Add("bad version", HttpMethod.Post, $"/pub/{c}v?version=abc", "v");
        await Add("delete an unknown channel", HttpMethod.Delete, $"/pub/{c}never");
        await Add("info on an unknown channel", HttpMethod.Get, $"/pub/{c}never");

        // History bounded at three messages: a cursor from before six publishes finds the first three evicted.
        var (_, empty) = await http.SendAsync(node, HttpMethod.Get, $"/sub/{c}h?timeout=0");
        var cursor = JsonDocument.Parse(empty).RootElement.GetProperty("cursor").GetString()!;
        for (var i = 1; i <= 6; i++)
        {
            await Add("publish m" + i, HttpMethod.Post, $"/pub/{c}h", "m" + i);
        }
        await Add("evicted", HttpMethod.Get, $"/sub/{c}h?timeout=0&cursor=" + Uri.EscapeDataString(cursor));
        await Add("oldest", HttpMethod.Get, $"/sub/{c}h?timeout=0&cursor=oldest");
        await Add("delete", HttpMethod.Delete, $"/pub/{c}h");
        await Add("after the delete", HttpMethod.Get, $"/sub/{c}h?timeout=0&cursor=" + Uri.EscapeDataString(cursor));
        return outcomes;
    }

    /// <summary>A problem's type; a poll's gap reasons and data; a publish's seq; else nothing.</summary>
    private static string Describe(string body)
    {
        if (body.Length == 0 || body[0] != '{')
        {
            return "";
        }
        var root = JsonDocument.Parse(body).RootElement;
        if (root.TryGetProperty("type", out var type))
        {
            return type.GetString() ?? "";
        }
        if (root.TryGetProperty("messages", out var messages))
        {
            var gaps = root.TryGetProperty("gaps", out var g) ? string.Join(',', g.EnumerateArray().Select(x => $"{x.GetProperty("reason").GetString()}:{(x.TryGetProperty("missed", out var m) ? m.GetRawText() : "?")}")) : "";
            var data = string.Join(',', messages.EnumerateArray().Select(m => $"{m.GetProperty("seq").GetInt64()}={m.GetProperty("data")}"));
            return $"gap={root.GetProperty("gap").GetBoolean()} [{gaps}] [{data}]";
        }
        return root.TryGetProperty("seq", out var seq) ? "seq " + seq.GetRawText() : "";
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _nodes.DisposeAsync();
}
