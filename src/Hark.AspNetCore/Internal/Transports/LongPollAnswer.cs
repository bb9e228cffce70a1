using Hark.Hub;

namespace Hark.AspNetCore.Internal.Transports;

/// <summary>How a poll ends: a batch to write, a problem to answer, or neither when the client went away.</summary>
/// <param name="Batch">The batch to write.</param>
/// <param name="Problem">The problem to answer instead.</param>
/// <param name="Shared">When the batch is shared with every poll woken at the same cursor: the read whose answer bytes can be shared too.</param>
/// <param name="Positions">Where the poll stood: the answer's cursors are made from them.</param>
internal readonly record struct LongPollAnswer(ReadBatch? Batch, Problem? Problem, SharedRead? Shared = null, IReadOnlyList<ChannelPosition>? Positions = null);
