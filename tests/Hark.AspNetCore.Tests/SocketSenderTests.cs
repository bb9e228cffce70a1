using System.Net.WebSockets;
using System.Text;
using Hark.AspNetCore.Internal;
using Hark.AspNetCore.Internal.WebSockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Hark.AspNetCore.Tests;

/// <summary>
/// The socket's one writer against a socket whose sends the test finishes by hand: a frame brought while a send is under
/// way waits in the bounded queue and goes out next, in order; a full queue makes its caller wait; a client that leaves a
/// send unfinished is closed as too slow, and the close frame always goes out last.
/// </summary>
public sealed class SocketSenderTests : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly HarkMetrics _metrics;

    public SocketSenderTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging().AddHark();
        _services = services.BuildServiceProvider();
        _metrics = _services.GetRequiredService<HarkMetrics>();
    }

    public void Dispose() => _services.Dispose();

    private static ReadOnlyMemory<byte> Frame(string text) => Encoding.UTF8.GetBytes(text);

    private SocketSender Sender(GatedSocket socket, int queue, TimeSpan timeout, Action? slow = null) =>
        new(socket, new HarkWebSocketOptions { SendQueueFrames = queue, SendTimeout = timeout }, TimeProvider.System, _metrics, slow ?? (() => { }));

    [Fact]
    public async Task FramesBroughtDuringASend_AreQueued_ThenSentInOrder_ThenTheClose()
    {
        var socket = new GatedSocket();
        var sender = Sender(socket, queue: 3, TimeSpan.FromSeconds(30));
        socket.Hold();

        var first = sender.SendAsync(Frame("1"));
        Assert.False(first.IsCompleted);
        // The send under way holds the turn: these wait in the queue, and their callers go on at once.
        Assert.True(await sender.SendAsync(Frame("2")));
        Assert.True(await sender.SendAsync(Frame("3")));
        Assert.True(await sender.SendAsync(Frame("4")));
        var full = sender.SendAsync(Frame("5")).AsTask();
        Assert.False(full.IsCompleted);
        sender.Close(WebSocketCloseStatus.NormalClosure, "bye");
        Assert.Equal(["1"], socket.Sent);

        socket.Release();
        Assert.True(await first);
        // Room was made before the close was asked for; the frame that waited for it is refused now that the socket closes.
        Assert.False(await full.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await sender.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["1", "2", "3", "4"], socket.Sent);
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "bye"), socket.Closed);
        Assert.False(await sender.SendAsync(Frame("6")));
    }

    [Fact]
    public async Task AFullQueue_MakesRoomAsItDrains()
    {
        var socket = new GatedSocket();
        var sender = Sender(socket, queue: 1, TimeSpan.FromSeconds(30));
        socket.Hold();
        var first = sender.SendAsync(Frame("a")).AsTask();
        Assert.True(await sender.SendAsync(Frame("b")));
        var waiting = sender.SendAsync(Frame("c")).AsTask();
        Assert.False(waiting.IsCompleted);

        socket.Release();
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await first);
        Assert.True(await sender.SendAsync(Frame("d")));
        Assert.Equal(["a", "b", "c", "d"], socket.Sent);
    }

    [Fact]
    public async Task ASendLeftUnfinished_IsTooSlow_TheQueueIsDropped_AndTheCloseFollowsTheFrameUnderWay()
    {
        var socket = new GatedSocket();
        SocketSender? sender = null;
        var slow = 0;
        var judged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sender = Sender(socket, queue: 8, TimeSpan.FromMilliseconds(200), () =>
        {
            Interlocked.Increment(ref slow);
            sender!.CloseNow((WebSocketCloseStatus)4408, "slow");
            judged.SetResult();
        });
        socket.Hold();
        var first = sender.SendAsync(Frame("under way")).AsTask();
        Assert.True(await sender.SendAsync(Frame("queued")));

        // Past the first timeout the client counts as slow; the frame under way then gets one more to go out.
        await judged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(first.IsCompleted);
        socket.Release();
        Assert.True(await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await sender.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["under way"], socket.Sent);
        Assert.Equal(((WebSocketCloseStatus)4408, "slow"), socket.Closed);
        Assert.Equal(1, slow);
    }

    [Fact]
    public async Task ASocketThatFails_RefusesWhatFollows_AndCompletesAsFailed()
    {
        var socket = new GatedSocket { Fails = true };
        var sender = Sender(socket, queue: 4, TimeSpan.FromSeconds(30));
        Assert.False(await sender.SendAsync(Frame("x")));
        Assert.False(await sender.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(await sender.SendAsync(Frame("y")));
    }

    [Fact]
    public async Task CloseWithNothingUnderWay_SendsTheCloseAtOnce()
    {
        var socket = new GatedSocket();
        var sender = Sender(socket, queue: 4, TimeSpan.FromSeconds(30));
        Assert.True(await sender.SendAsync(Frame("only")));
        sender.Close(WebSocketCloseStatus.EndpointUnavailable, "stopping");
        Assert.True(await sender.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["only"], socket.Sent);
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, "stopping"), socket.Closed);
    }

    /// <summary>A socket whose sends finish at once, or, while held, only when the test releases them.</summary>
    private sealed class GatedSocket : WebSocket
    {
        private readonly object _lock = new();
        private TaskCompletionSource? _gate;
        private readonly List<string> _sent = [];

        public bool Fails { get; init; }

        public (WebSocketCloseStatus, string)? Closed { get; private set; }

        public IReadOnlyList<string> Sent
        {
            get
            {
                lock (_lock)
                {
                    return [.. _sent];
                }
            }
        }

        public void Hold()
        {
            lock (_lock)
            {
                _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Release()
        {
            TaskCompletionSource? gate;
            lock (_lock)
            {
                (gate, _gate) = (_gate, null);
            }
            gate?.SetResult();
        }

        public override ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            if (Fails)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely);
            }
            Task? gate;
            lock (_lock)
            {
                _sent.Add(Encoding.UTF8.GetString(buffer.Span));
                gate = _gate?.Task;
            }
            return gate is null ? ValueTask.CompletedTask : new ValueTask(gate);
        }

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            Closed = (closeStatus, statusDescription ?? "");
            return Task.CompletedTask;
        }

        public override WebSocketCloseStatus? CloseStatus => Closed?.Item1;

        public override string? CloseStatusDescription => Closed?.Item2;

        public override WebSocketState State => Closed is null ? WebSocketState.Open : WebSocketState.CloseSent;

        public override string? SubProtocol => null;

        public override void Abort()
        {
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
            SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

        public override void Dispose()
        {
        }
    }
}
