namespace Hark.Ask;

/// <summary>The ways an ask ends.</summary>
internal enum AskEnd
{
    /// <summary>A reply confirmed it; <see cref="AskOutcome.Answer"/> carries the reply.</summary>
    Confirmed,

    /// <summary>A reply declined it.</summary>
    Declined,

    /// <summary>No answer before its deadline.</summary>
    TimedOut,

    /// <summary>The asker went away.</summary>
    Gone,

    /// <summary>The server is stopping.</summary>
    Stopping,
}
