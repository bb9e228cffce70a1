using System.Net;
using Hark.AspNetCore.Internal.Presence;
using Hark.AspNetCore.Internal.Transports;
using Hark.Hub;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// What every front door does with a subscriber request it has parsed (<see cref="SubscribeRequest"/>) and
/// authorized (<see cref="SubscriberGate"/>): admit it by the per-address limits, resolve its cursor, hold it through
/// the hub until its answer, holding its presence lease meanwhile (<see cref="PresenceTracker"/>), and release it; an engine's refusal becomes its problem here. The endpoint and the
/// direct path both call it, and differ only in how the answer's bytes reach the socket.
/// </summary>
internal sealed class SubscribePipeline(FanoutHub hub, RequestLimits limits, HarkMetrics metrics, PresenceTracker presence, TimeProvider time)
{
    /// <summary>
    /// A long-poll (or plain poll, with a zero timeout) from admission to its answer. It ends in exactly one of:
    /// messages or a gap (a batch); the deadline (an empty batch, same cursor); the client gone (neither batch nor
    /// problem); a channel deleted (410); a full channel (503); the server stopping (an empty batch, so the client
    /// polls again elsewhere); a refusal on the way in (its problem).
    /// </summary>
    public async ValueTask<LongPollAnswer> LongPollAsync(SubscribeRequest request, IPAddress address, CancellationToken aborted)
    {
        if (presence.Enabled && presence.RefuseCompanions(request.Channels) is { } noPresence)
        {
            return new LongPollAnswer(null, noPresence);
        }
        if (limits.AdmitAndHold(request, address) is { } refused)
        {
            return new LongPollAnswer(null, refused);
        }
        var started = time.GetTimestamp();
        string? outcome = null;
        var holding = false;
        LocalLease[]? present = null;
        try
        {
            var (positions, problem) = await CursorResolver.ResolveAsync(request, hub, aborted);
            if (problem is not null)
            {
                return new LongPollAnswer(null, problem);
            }
            if (request.Timeout > TimeSpan.Zero)
            {
                holding = true;
                metrics.HoldStarted(LongPollTransport.Name);
            }
            // A long-poll's lease outlives its poll by the grace: the client is between polls, still here.
            present = presence.Enter(request.Channels, request.Client, request.User, holding ? "longpoll" : "poll");
            var held = await hub.HoldAsync(positions!, request.Max, request.Timeout, aborted);
            switch (held.Reason)
            {
                case WakeReason.Ready:
                    outcome = held.Waited ? "messages" : "immediate";
                    return new LongPollAnswer(held.Batch, null, held.Shared, positions);
                case WakeReason.Closed:
                    outcome = "closed";
                    return new LongPollAnswer(null, Problem.ChannelClosed(held.Channel!));
                case WakeReason.Refused:
                    outcome = "refused";
                    return new LongPollAnswer(null, Problem.Limit($"Channel '{held.Channel}' has the most subscribers allowed."));
                case WakeReason.Cancelled:
                    outcome = "gone";
                    return new LongPollAnswer(null, null);
                default:
                    outcome = !holding ? "immediate" : held.Reason == WakeReason.Stopping ? "stopping" : "timeout";
                    return new LongPollAnswer(held.Batch, null, Positions: positions);
            }
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
        {
            return new LongPollAnswer(null, refusal);
        }
        finally
        {
            if (present is not null)
            {
                presence.Exit(present, closed: false);
            }
            limits.Release(address);
            if (holding)
            {
                metrics.HoldEnded(LongPollTransport.Name);
            }
            if (outcome is not null)
            {
                metrics.PollAnswered(outcome == "immediate" ? TimeSpan.Zero : time.GetElapsedTime(started), outcome);
            }
        }
    }

    /// <summary>
    /// A stream from admission to its end: <paramref name="stream"/> runs from the resolved positions while the
    /// request holds its place. The problem that refused it, or null once it ran.
    /// </summary>
    public async ValueTask<Problem?> StreamAsync(SubscribeRequest request, IPAddress address, Func<IReadOnlyList<ChannelPosition>, Task> stream,
        CancellationToken aborted)
    {
        if (presence.Enabled && presence.RefuseCompanions(request.Channels) is { } noPresence)
        {
            return noPresence;
        }
        if (limits.AdmitAndHold(request, address) is { } refused)
        {
            return refused;
        }
        try
        {
            IReadOnlyList<ChannelPosition>? positions;
            Problem? problem;
            try
            {
                (positions, problem) = await CursorResolver.ResolveAsync(request, hub, aborted);
            }
            catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
            {
                return refusal;
            }
            if (problem is not null)
            {
                return problem;
            }
            // Once the stream has begun, a refusal just ends it (see MapHark): its client resumes from its last cursor.
            // Its presence lease lasts as long as the stream, and ends with it.
            var present = presence.Enter(request.Channels, request.Client, request.User, TransportName(request.Transport));
            try
            {
                await stream(positions!);
            }
            finally
            {
                if (present is not null)
                {
                    presence.Exit(present, closed: true);
                }
            }
            return null;
        }
        finally
        {
            limits.Release(address);
        }
    }

    /// <summary>The name presence gives a stream's transport.</summary>
    private static string TransportName(TransportKind transport) => transport switch
    {
        TransportKind.Sse => "sse",
        TransportKind.Ndjson => "ndjson",
        TransportKind.Iframe => "iframe",
        TransportKind.WebSocket => "ws",
        _ => "longpoll",
    };
}
