using System.Net;
using Hark.AspNetCore.Internal.Transports;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// What every front door does with a subscriber request it has parsed (<see cref="SubscribeRequest"/>) and
/// authorized (<see cref="SubscriberGate"/>): admit it by the per-address limits, resolve its cursor, hold it through
/// the hub until its answer, and release it; an engine's refusal becomes its problem here. The endpoint and the
/// direct path both call it, and differ only in how the answer's bytes reach the socket.
/// </summary>
internal sealed class SubscribePipeline(IHarkEngine engine, RequestLimits limits, LongPollTransport longPoll)
{
    /// <summary>A long-poll (or plain poll) from admission to its answer: a batch, a problem, or neither when the client went away.</summary>
    public async ValueTask<LongPollAnswer> LongPollAsync(SubscribeRequest request, IPAddress address, CancellationToken aborted)
    {
        if (limits.AdmitAndHold(request, address) is { } refused)
        {
            return new LongPollAnswer(null, refused);
        }
        try
        {
            var (positions, problem) = await CursorResolver.ResolveAsync(request, engine, aborted);
            return problem is null ? await longPoll.AnswerAsync(request, positions!, aborted) : new LongPollAnswer(null, problem);
        }
        catch (Exception e) when (Problem.ForEngineRefusal(e) is { } refusal)
        {
            return new LongPollAnswer(null, refusal);
        }
        finally
        {
            limits.Release(address);
        }
    }

    /// <summary>
    /// A stream from admission to its end: <paramref name="stream"/> runs from the resolved positions while the
    /// request holds its place. The problem that refused it, or null once it ran.
    /// </summary>
    public async ValueTask<Problem?> StreamAsync(SubscribeRequest request, IPAddress address, Func<IReadOnlyList<ChannelPosition>, Task> stream,
        CancellationToken aborted)
    {
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
                (positions, problem) = await CursorResolver.ResolveAsync(request, engine, aborted);
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
            await stream(positions!);
            return null;
        }
        finally
        {
            limits.Release(address);
        }
    }
}
