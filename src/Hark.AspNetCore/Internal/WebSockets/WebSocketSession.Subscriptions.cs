using System.Buffers;
using Hark.AspNetCore.Internal.Auth;
using Hark.Hub;
using Microsoft.AspNetCore.Http;

namespace Hark.AspNetCore.Internal.WebSockets;

internal sealed partial class WebSocketSession
{
    // A socket owes its client no heartbeat (the keep-alive pings are that), so a hold's deadline only bounds how long a
    // subscription goes without a read of its own when nothing is reported.
    private static readonly TimeSpan HoldDeadline = TimeSpan.FromMinutes(1);

    /// <summary><c>{"type":"subscribe","channels","cursor","last","max","token","grant","client"}</c>: the parameters of <c>/sub</c>, checked by its parser.</summary>
    private async ValueTask<Problem?> SubscribeAsync(ClientFrame frame)
    {
        if (frame.ChannelList() is not { } channels)
        {
            return Problem.InvalidChannel("") with { Detail = "'channels' is a channel name, several joined by ',', or an array of names." };
        }
        return SubscribeRequest.TryParse(frame, "", "", channels, _door.Options, out var request)
            ?? await SubscribeAsync(frame.Id, request);
    }

    /// <summary>
    /// Opens a subscription: the token, then the subscribe pipeline of every stream (the per-address limits, the cursor,
    /// release at the end), which runs the <c>subscribed</c> frame and the subscription's loop. The problem that refused
    /// it, or null once it runs; the receive loop goes on meanwhile.
    /// </summary>
    private async ValueTask<Problem?> SubscribeAsync(string? id, SubscribeRequest request)
    {
        lock (_subscriptions)
        {
            if (_subscriptions.FirstOrDefault(s => request.Channels.Any(s.Has)) is { } taken)
            {
                return new Problem(StatusCodes.Status409Conflict, "already-subscribed", "Channel already subscribed",
                    $"This socket already has a subscription to '{taken.Channels.First(request.Channels.Contains)}'; unsubscribe it first.");
            }
            if (_subscriptions.Count >= _options.MaxSubscriptions)
            {
                return Problem.BadRequest("subscription-limit", "Too many subscriptions on this socket",
                    $"A socket holds at most {_options.MaxSubscriptions} subscriptions.");
            }
        }
        // The upgrade's headers (its cookies) and address stand for every subscription of the socket.
        var authorization = await _door.Gate.AuthorizeAsync(
            new SubscriberCredentials(request.Token ?? _token, request.Grant, _context.Request.Headers, _address, WebSocketEndpoint.Name), request.Channels,
            _context.RequestAborted);
        if (authorization.Problem is { } denied)
        {
            return denied;
        }
        // One copy, kept for the subscription's life by the pipeline's frame.
        request = request with { Channels = authorization.Channels, User = authorization.User, Transport = TransportKind.WebSocket };
        var grant = authorization.IssuedGrant;
        var started = new TaskCompletionSource<SocketSubscription>(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = _door.Pipeline.StreamAsync(request, _address,
            positions => RunAsync(new SocketSubscription(id, request.Channels, positions, request.Max) { Until = authorization.Expires }, grant, started), _context.RequestAborted).AsTask();
        if (await Task.WhenAny(started.Task, run) != started.Task)
        {
            return await run;
        }
        var subscription = await started.Task;
        subscription.Loop = run;
        if (_ended != 0)
        {
            // The socket began to end meanwhile, after it had stopped the subscriptions it knew of.
            await subscription.Stop.CancelAsync();
        }
        return null;
    }

    /// <summary>A subscription admitted and at its starting positions: acknowledged, then held until it ends.</summary>
    private async Task RunAsync(SocketSubscription subscription, string? grant, TaskCompletionSource<SocketSubscription> started)
    {
        lock (_subscriptions)
        {
            _subscriptions.Add(subscription);
        }
        await _sender.SendAsync(ServerFrames.Subscribed(subscription.Id, subscription.Channels, subscription.Cursor.Current, grant));
        started.SetResult(subscription);
        await HoldAsync(subscription);
    }

    /// <summary>
    /// <c>{"type":"unsubscribe","id"|"channels"}</c>: ends every subscription with that id or any of those channels, each
    /// answered by an <c>unsubscribed</c> frame with the cursor after the last message sent for it.
    /// </summary>
    private async ValueTask<Problem?> UnsubscribeAsync(ClientFrame frame)
    {
        var channels = frame.ChannelList()?.Split(',') ?? [];
        var target = frame.Root.TryGetProperty("subscription", out var named) ? named.GetRawText() : null;
        SocketSubscription[] ending;
        lock (_subscriptions)
        {
            ending = [.. _subscriptions.Where(s => channels.Any(s.Has) || (target is not null && s.Id == target))];
            _subscriptions.RemoveAll(ending.Contains);
        }
        if (ending.Length == 0)
        {
            return new Problem(StatusCodes.Status404NotFound, "not-subscribed", "Not subscribed",
                "Name the channels of a subscription on this socket ('channels'), or its id ('subscription').");
        }
        foreach (var subscription in ending)
        {
            await subscription.Stop.CancelAsync();
            await subscription.Loop;
            await _sender.SendAsync(ServerFrames.Unsubscribed(frame.Id, subscription.Channels, subscription.Cursor.Current));
        }
        return null;
    }

    /// <summary>
    /// A subscription's loop on the hub's one hold: each batch is queued as frames (a gap first), a deleted channel ends it
    /// with a <c>closed</c> frame, a full channel or an engine's refusal with an <c>error</c> frame, the server stopping
    /// ends the socket once every subscription has queued what it holds.
    /// </summary>
    private async Task HoldAsync(SocketSubscription subscription)
    {
        var stop = subscription.Stop.Token;
        try
        {
            while (true)
            {
                var deadline = HoldDeadline;
                if (subscription.Until is { } until)
                {
                    var left = until - _door.Time.GetUtcNow();
                    if (left <= TimeSpan.Zero)
                    {
                        if (!await AuthorizeAgainAsync(subscription, stop))
                        {
                            return;
                        }
                        continue;
                    }
                    deadline = left < deadline ? left : deadline;
                }
                var held = await _door.Hub.HoldAsync(subscription.Cursor.Positions, subscription.Max, deadline, stop);
                switch (held.Reason)
                {
                    case WakeReason.Ready:
                        if (!await SendBatchAsync(subscription, held.Batch!))
                        {
                            return;
                        }
                        continue;
                    case WakeReason.Timeout:
                        continue;
                    case WakeReason.Closed:
                        Detach(subscription);
                        await _sender.SendAsync(ServerFrames.Closed(subscription.Id, held.Channel!));
                        return;
                    case WakeReason.Refused:
                        Detach(subscription);
                        await SendErrorAsync(subscription.Id, Problem.Limit($"Channel '{held.Channel}' has the most subscribers allowed."));
                        return;
                    case WakeReason.Stopping:
                        Stop();
                        return;
                    default:
                        return;
                }
            }
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
        {
            // As a stream's: the subscription ends, and its client subscribes again from its cursor after retryAfter.
            Detach(subscription);
            await SendErrorAsync(subscription.Id, refusal);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The grant a subscription runs under expired: the hook is asked again with the upgrade's headers, as for a new
    /// subscription. Allowed (every channel still), it goes on under the new grant, which a <c>grant</c> frame hands the
    /// client; refused, it ends with an <c>error</c> frame carrying the problem. False when it ended.
    /// </summary>
    private async ValueTask<bool> AuthorizeAgainAsync(SocketSubscription subscription, CancellationToken stop)
    {
        var again = await _door.Gate.AuthorizeAsync(new SubscriberCredentials(null, null, _context.Request.Headers, _address, WebSocketEndpoint.Name),
            subscription.Channels, stop);
        var problem = again.Problem ?? (again.Channels.Count == subscription.Channels.Count ? null
            : new Problem(StatusCodes.Status403Forbidden, "channel-forbidden", "Channel not allowed",
                "The application's authorization hook no longer allows every channel of this subscription."));
        if (problem is not null)
        {
            Detach(subscription);
            await SendErrorAsync(subscription.Id, problem);
            return false;
        }
        subscription.Until = again.Expires;
        return again.IssuedGrant is not { } grant || await _sender.SendAsync(ServerFrames.Grant(subscription.Id, grant));
    }

    /// <summary>Queues a batch's frames; false when the socket is closing.</summary>
    private async ValueTask<bool> SendBatchAsync(SocketSubscription subscription, ReadBatch batch)
    {
        var cursor = subscription.Cursor;
        _door.Metrics.Delivered(batch.Messages, WebSocketEndpoint.Name);
        if (cursor.IsSingle && batch.Gaps.Count == 0)
        {
            // The usual case: each frame is the message object as published, the same bytes for every socket.
            cursor.Set(batch.Positions);
            foreach (var message in batch.Messages)
            {
                if (!await _sender.SendAsync(message.Json))
                {
                    return false;
                }
            }
            return true;
        }
        _door.Metrics.Gaps(batch.Gaps, "hark", WebSocketEndpoint.Name);
        var frames = new FrameSink(subscription.Id, []);
        cursor.Walk(batch, ref frames);
        foreach (var frame in frames.Frames)
        {
            if (!await _sender.SendAsync(frame))
            {
                return false;
            }
        }
        return true;
    }

    private void Detach(SocketSubscription subscription)
    {
        lock (_subscriptions)
        {
            _subscriptions.Remove(subscription);
        }
    }

    /// <summary>A batch as frames: a gap frame, then each message object with the subscription's cursor spliced in.</summary>
    private readonly struct FrameSink(string? id, List<ReadOnlyMemory<byte>> frames) : IBatchSink
    {
        public List<ReadOnlyMemory<byte>> Frames => frames;

        public void Gap(IReadOnlyList<ChannelGap> gaps, string cursor) => frames.Add(ServerFrames.Gap(id, cursor, gaps));

        public void Message(HarkMessage message, string cursor)
        {
            if (ReferenceEquals(cursor, message.Cursor))
            {
                frames.Add(message.Json);
                return;
            }
            var frame = new ArrayBufferWriter<byte>(message.Json.Length + cursor.Length);
            MessageWriter.WriteJson(frame, message, cursor);
            frames.Add(frame.WrittenMemory);
        }
    }
}
