using Hark.Internal;

namespace Hark.Postgres.Internal;

/// <summary>A waiter on one channel, with the position it waits after.</summary>
internal readonly record struct WaitEntry(Waiter Waiter, ChannelPosition Position);
