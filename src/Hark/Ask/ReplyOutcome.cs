namespace Hark.Ask;

/// <summary>What a reply did.</summary>
internal enum ReplyOutcome
{
    /// <summary>It is the answer.</summary>
    Accepted,

    /// <summary>The question is no longer waiting: it timed out or its asker went away.</summary>
    Expired,

    /// <summary>Another reply answered first; that one stands.</summary>
    AlreadyAnswered,
}
