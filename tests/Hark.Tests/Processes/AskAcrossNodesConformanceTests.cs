using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Hark.Tests.Processes;

/// <summary>
/// Ask and reply with the asker on one server process and the device on another, on one store: the reply
/// channel's versioned publishes decide, across nodes, which of "answered" and "expired" came first.
/// </summary>
public abstract class AskAcrossNodesConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly ProcessNodes _nodes = new(output);

    /// <summary>The environment that puts a node on the shared store (<c>Hark__Engine</c> and its settings).</summary>
    protected abstract IReadOnlyDictionary<string, string> NodeSettings { get; }

    private HarkHttp Http => _nodes.Http;

    private async Task<(Uri A, Uri B)> StartTwoNodes()
    {
        var nodes = await _nodes.StartAsync(NodeSettings, "A", "B");
        return (nodes[0].Address, nodes[1].Address);
    }

    private static string NewChannel() => "ask" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The question as a subscriber of <paramref name="channel"/> on <paramref name="node"/> receives it: its reply path.</summary>
    private async Task<string> ReceiveQuestion(Uri node, string channel, string cursor)
    {
        var poll = await Http.PollAsync(node, channel, cursor, 20).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, poll.Status);
        using var envelope = JsonDocument.Parse(Assert.Single(poll.Data));
        Assert.Equal("Approve?", envelope.RootElement.GetProperty("question").GetString());
        return envelope.RootElement.GetProperty("reply").GetString()!;
    }

    [Fact]
    public async Task AskOnA_ReplyOnB_AskerGetsTheReply_SecondReplyIsRefused()
    {
        var (a, b) = await StartTwoNodes();
        var channel = NewChannel();
        var cursor = (await Http.PollAsync(b, channel, null, 0).WaitAsync(Patience)).Cursor!;

        var ask = Http.AskAsync(a, channel, "Approve?", 30);
        var reply = await ReceiveQuestion(b, channel, cursor);

        Assert.Equal(HttpStatusCode.NoContent, await Http.ReplyAsync(b, reply, "yes from B").WaitAsync(Patience));
        var answer = await ask.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("yes from B", answer.Body);
        Assert.Equal(HttpStatusCode.Conflict, await Http.ReplyAsync(b, reply, "again").WaitAsync(Patience));
        Assert.Equal(HttpStatusCode.Conflict, await Http.ReplyAsync(a, reply, "again, on A").WaitAsync(Patience));
    }

    [Fact]
    public async Task AskOnA_TimesOut_LateReplyOnB_IsGone()
    {
        var (a, b) = await StartTwoNodes();
        var channel = NewChannel();
        var cursor = (await Http.PollAsync(b, channel, null, 0).WaitAsync(Patience)).Cursor!;

        var ask = Http.AskAsync(a, channel, "Approve?", 1);
        var reply = await ReceiveQuestion(b, channel, cursor);
        var answer = await ask.WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.RequestTimeout, answer.Status);
        Assert.Equal(HttpStatusCode.Gone, await Http.ReplyAsync(b, reply, "too late").WaitAsync(Patience));
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await _nodes.DisposeAsync();
}
