using System.Buffers;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// Answers plain long-polls on the connection itself, ahead of Kestrel's HTTP layer and the middleware
/// pipeline: a held poll then costs the socket, its pipes and one small waiter instead of a whole request
/// context, and a fan-out delivery skips the pipeline on both its answer and the re-poll that follows.
/// </summary>
/// <remarks>
/// The first request on a connection that is anything else (another path, a stream, a token, an origin,
/// a body, a malformed or partial head, a request that would be refused) hands the connection to Kestrel
/// for the rest of its life, with that request's bytes unread, so Kestrel parses it and answers exactly
/// as it always does. Only requests the endpoint would answer the same way without any middleware stay
/// here; see <see cref="RequestHead"/> for the rules.
/// </remarks>
internal sealed class DirectLongPoll
{
    private readonly ConnectionDelegate _next;
    private readonly IHarkEngine _engine;
    private readonly LongPollTransport _longPoll;
    private readonly SubscriberGate _gate;
    private readonly RequestLimits _limits;
    private readonly HarkMetrics _metrics;
    private readonly HarkOptions _options;
    private readonly ResponseHead _responses;
    private readonly TimeSpan _keepAlive;
    private readonly string _prefix;

    public DirectLongPoll(ConnectionDelegate next, IServiceProvider services, string pathPrefix)
    {
        _next = next;
        _engine = services.GetRequiredService<IHarkEngine>();
        _longPoll = services.GetRequiredService<LongPollTransport>();
        _gate = services.GetRequiredService<SubscriberGate>();
        _limits = services.GetRequiredService<RequestLimits>();
        _metrics = services.GetRequiredService<HarkMetrics>();
        _options = services.GetRequiredService<IOptions<HarkOptions>>().Value;
        var kestrel = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        _responses = new ResponseHead(services.GetRequiredService<TimeProvider>(), kestrel.AddServerHeader);
        _keepAlive = kestrel.Limits.KeepAliveTimeout;
        _prefix = pathPrefix.TrimEnd('/') + "/sub/";
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var state = new DirectConnection(connection, _keepAlive);
        try
        {
            while (true)
            {
                var read = await state.ReadRequestAsync();
                if (read is not { } result)
                {
                    return;
                }
                var buffer = result.Buffer;
                var poll = await TryAcceptAsync(state, buffer);
                if (poll is null)
                {
                    // Not ours: Kestrel reads this request from the start, and every one after it.
                    state.Input.AdvanceTo(buffer.Start);
                    state.Dispose();
                    await _next(connection);
                    return;
                }
                state.Input.AdvanceTo(buffer.GetPosition(poll.HeadLength));
                if (!await ServeAsync(state, poll))
                {
                    return;
                }
            }
        }
        finally
        {
            state.Dispose();
        }
    }

    /// <summary>
    /// Decides whether the request at the start of <paramref name="buffer"/> is a long-poll answered here,
    /// and if so admits it (rate and held limits) and resolves its cursor. Null leaves it all to Kestrel.
    /// </summary>
    private async ValueTask<AcceptedPoll?> TryAcceptAsync(DirectConnection state, ReadOnlySequence<byte> buffer)
    {
        var length = 0;
        var head = buffer.IsSingleSegment
            ? RequestHead.TryParse(buffer.FirstSpan, _prefix, out length)
            : buffer.Length <= RequestHead.MaxLength ? RequestHead.TryParse(buffer.ToArray(), _prefix, out length) : null;
        if (head is null || length > RequestHead.MaxLength)
        {
            return null;
        }
        if (SubscribeRequest.TryParse(new QueryReader(head.Query), head.LastEventId, head.Accept, head.Channels, _options, out var request) is not null
            || request.Transport != TransportKind.LongPoll || request.Token is not null || _gate.NeedsToken(request.Channels))
        {
            return null;
        }
        if (request.Cursor is null && _limits.AdmitSubscription(state.Address) is not null)
        {
            return null;
        }
        if (!_limits.TryHold(state.Address))
        {
            return null;
        }
        try
        {
            var (positions, problem) = await CursorResolver.ResolveAsync(request, _engine, state.Closing);
            if (problem is null)
            {
                return new AcceptedPoll(head, request, positions!, length);
            }
        }
        catch (Exception e) when (e is HarkUnavailableException or OperationCanceledException)
        {
        }
        _limits.Release(state.Address);
        return null;
    }

    /// <summary>Holds the poll until its answer and writes it; false when the connection should end.</summary>
    private async ValueTask<bool> ServeAsync(DirectConnection state, AcceptedPoll poll)
    {
        LongPollAnswer answer;
        try
        {
            try
            {
                answer = await _longPoll.AnswerAsync(poll.Request, poll.Positions, state.Aborted);
            }
            catch (HarkUnavailableException e)
            {
                answer = new LongPollAnswer(null, Problem.Unavailable(e.Message));
            }
        }
        finally
        {
            _limits.Release(state.Address);
        }
        _metrics.AnsweredDirectly();
        var close = state.Closing.IsCancellationRequested;
        var output = state.Output;
        if (answer.Problem is { } problem)
        {
            _metrics.Rejected(problem.Status);
            var json = problem.ToJson(poll.Head.Path, state.NextTraceId());
            _responses.Write(output, problem.Status, "application/problem+json", json.Length, problem.RetryAfterSeconds, close);
            output.Write(json);
        }
        else if (answer.Batch is { } batch)
        {
            var body = new LongPollBody(poll.Positions, batch);
            _responses.Write(output, 200, LongPollBody.ContentType, body.Length, close: close);
            body.WriteTo(output);
            _longPoll.Delivered(batch);
        }
        else
        {
            return false;
        }
        return await state.FlushAsync() && !close;
    }

    private sealed record AcceptedPoll(RequestHead Head, SubscribeRequest Request, IReadOnlyList<ChannelPosition> Positions, int HeadLength);
}
