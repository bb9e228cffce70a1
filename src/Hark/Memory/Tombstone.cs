namespace Hark.Memory;

/// <summary>
/// What is kept of a dropped channel so a cursor into it stays valid: its epoch and last sequence
/// number, and the stamp of its last reset. A deleted channel's tombstone says only when it was
/// deleted: its next history starts afresh, and cursors issued before the delete read as gaps.
/// </summary>
internal sealed record Tombstone(Epoch Epoch, long LastSeq, long ResetStamp, bool Deleted);
