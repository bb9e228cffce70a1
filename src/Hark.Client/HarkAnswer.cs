namespace Hark.Client;

/// <summary>How a question asked with <see cref="HarkClient.AskAsync(string, string, TimeSpan, CancellationToken)"/> ended.</summary>
public enum HarkAnswerOutcome
{
    /// <summary>Someone confirmed; <see cref="HarkAnswer.Body"/> is their reply.</summary>
    Confirmed,

    /// <summary>Someone declined.</summary>
    Declined,

    /// <summary>No one answered in time.</summary>
    TimedOut,
}

/// <summary>The answer to a question.</summary>
/// <param name="Outcome">Confirmed, declined or timed out.</param>
/// <param name="Body">The reply's body when confirmed (JSON text or plain text), else null.</param>
/// <param name="IsJson">Whether <paramref name="Body"/> is JSON.</param>
public sealed record HarkAnswer(HarkAnswerOutcome Outcome, string? Body, bool IsJson);
