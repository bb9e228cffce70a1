using System.Buffers;
using System.Diagnostics;
using System.Net;
using Hark.AspNetCore.Internal.Transports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hark.AspNetCore.Internal.Direct;

/// <summary>
/// Answers plain long-polls on the connection itself, ahead of Kestrel's HTTP layer and the middleware
/// pipeline: a held poll then costs the socket, its pipes and one small waiter instead of a whole request
/// context, and a fan-out delivery skips the pipeline on both its answer and the re-poll that follows.
/// </summary>
/// <remarks>
/// The first request on a connection that is anything else (another path, a stream, a token, an origin,
/// a body, a header off the allow-list, a malformed or partial head, a request that would be refused, trace
/// context while something records it, any request once the endpoint asks for authorization) hands the
/// connection to Kestrel for the rest of its life, with that request's bytes unread, so Kestrel parses it and
/// answers exactly as it always does. Only requests the endpoint would answer the same way without any
/// middleware stay here; see <see cref="RequestHead"/> and <see cref="HeadRules"/> for the rules. A forwarded
/// client is counted by the address the forwarded-headers middleware would give it (<see cref="ForwardedClient"/>).
/// </remarks>
internal sealed class DirectLongPoll
{
    private readonly ConnectionDelegate _next;
    private readonly SubscribePipeline _pipeline;
    private readonly LongPollTransport _longPoll;
    private readonly SubscriberGate _gate;
    private readonly HarkMetrics _metrics;
    private readonly HarkOptions _options;
    private readonly ResponseHead _responses;
    private readonly KestrelServerLimits _limitsOfKestrel;
    private readonly HeadRules _rules;
    private readonly ForwardedClient _forwarded;
    private readonly RequestTracing _tracing;
    private readonly EndpointAuthorization _authorization;

    /// <summary>The key of a whole shared answer (head and body) in a <see cref="Hark.Hub.SharedRead"/>.</summary>
    private static readonly object ResponseKey = new();

    public DirectLongPoll(ConnectionDelegate next, IServiceProvider services, string pathPrefix)
    {
        _next = next;
        _pipeline = services.GetRequiredService<SubscribePipeline>();
        _longPoll = services.GetRequiredService<LongPollTransport>();
        _gate = services.GetRequiredService<SubscriberGate>();
        _metrics = services.GetRequiredService<HarkMetrics>();
        _options = services.GetRequiredService<IOptions<HarkOptions>>().Value;
        var kestrel = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        _responses = new ResponseHead(services.GetRequiredService<TimeProvider>(), kestrel.AddServerHeader);
        _limitsOfKestrel = kestrel.Limits;
        var forwarded = services.GetRequiredService<IOptions<ForwardedHeadersOptions>>();
        _rules = new HeadRules(pathPrefix.TrimEnd('/') + "/sub/", kestrel.Limits,
            services.GetRequiredService<IOptions<HostFilteringOptions>>().Value.AllowedHosts, forwarded.Value);
        _forwarded = new ForwardedClient(forwarded, services.GetRequiredService<ILoggerFactory>());
        _tracing = new RequestTracing(services.GetRequiredService<ActivitySource>(), services.GetRequiredService<DiagnosticListener>());
        _authorization = new EndpointAuthorization(services);
    }

    public async Task OnConnectionAsync(ConnectionContext connection)
    {
        var state = new DirectConnection(connection, _limitsOfKestrel);
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
                var poll = TryAccept(buffer, state);
                if (poll is null)
                {
                    // Not ours: Kestrel reads this request from the start, and every one after it.
                    state.Input.AdvanceTo(buffer.Start);
                    state.Dispose();
                    await _next(connection);
                    return;
                }
                state.Input.AdvanceTo(buffer.GetPosition(poll.HeadLength));
                state.Served();
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
    /// Decides whether the request at the start of <paramref name="buffer"/> is a long-poll answered here
    /// (null leaves it all to Kestrel): one the endpoint would answer the same way with no middleware.
    /// </summary>
    private AcceptedPoll? TryAccept(ReadOnlySequence<byte> buffer, DirectConnection state)
    {
        if (_authorization.Required)
        {
            return null;
        }
        var length = 0;
        var head = buffer.IsSingleSegment
            ? RequestHead.TryParse(buffer.FirstSpan, _rules, out length)
            : buffer.Length <= _rules.MaxLength ? RequestHead.TryParse(buffer.ToArray(), _rules, out length) : null;
        if (head is null || (head.TraceContext && _tracing.IsRecording))
        {
            return null;
        }
        if (SubscribeRequest.TryParse(new QueryReader(head.Query), head.LastEventId, head.Accept, head.Channels, _options, out var request) is not null
            || request.Transport != TransportKind.LongPoll || request.Token is not null || _gate.NeedsToken(request.Channels))
        {
            return null;
        }
        var address = head.ForwardedFor is { } forwardedFor ? _forwarded.Resolve(state.RemoteEndPoint, forwardedFor, head.ForwardedProto) : state.Address;
        return new AcceptedPoll(head, length, request, address);
    }

    /// <summary>
    /// Runs the poll through the subscribe pipeline, as the endpoint does, and writes its answer or the problem
    /// that refused it on the connection; false when the connection should end.
    /// </summary>
    private async ValueTask<bool> ServeAsync(DirectConnection state, AcceptedPoll poll)
    {
        _metrics.AnsweredDirectly();
        LongPollAnswer answer;
        try
        {
            answer = await _pipeline.LongPollAsync(poll.Request, poll.Address, state.Aborted);
        }
        catch (OperationCanceledException) when (state.Aborted.IsCancellationRequested || state.Closing.IsCancellationRequested)
        {
            return false;
        }
        if (answer.Problem is { } problem)
        {
            return await WriteProblemAsync(state, poll, problem);
        }
        if (answer.Batch is not { } batch)
        {
            // The client went away.
            return false;
        }
        var positions = answer.Positions!;
        var close = state.Closing.IsCancellationRequested;
        if (answer.Shared is { } shared && !close)
        {
            // Every poll woken at this cursor gets the same bytes, head and body: made once, copied to each connection.
            state.Output.Write(shared.Answer(ResponseKey, batch, (Door: this, Positions: positions), static (b, s) =>
            {
                var whole = new ArrayBufferWriter<byte>(512);
                s.Door.WriteResponse(whole, s.Positions, b, close: false);
                return whole.WrittenSpan.ToArray();
            }));
        }
        else
        {
            WriteResponse(state.Output, positions, batch, close);
        }
        _longPoll.Delivered(batch);
        return await state.FlushAsync() && !close;
    }

    private void WriteResponse(IBufferWriter<byte> output, IReadOnlyList<ChannelPosition> positions, ReadBatch batch, bool close)
    {
        var body = new LongPollBody(positions, batch);
        _responses.Write(output, 200, LongPollBody.ContentType, body.Length, close: close);
        body.WriteTo(output);
    }

    private async ValueTask<bool> WriteProblemAsync(DirectConnection state, AcceptedPoll poll, Problem problem)
    {
        _metrics.Rejected(problem.Status);
        var close = state.Closing.IsCancellationRequested;
        var json = problem.ToJson(_rules.SubscribePrefix + poll.Head.Channels, state.TraceId());
        _responses.Write(state.Output, problem.Status, "application/problem+json", json.Length, problem.RetryAfterSeconds, close);
        state.Output.Write(json);
        return await state.FlushAsync() && !close;
    }

    /// <summary>A request taken here, parsed, and the address its client is counted by.</summary>
    private sealed record AcceptedPoll(RequestHead Head, int HeadLength, SubscribeRequest Request, IPAddress Address);
}
