namespace Hark.Ask;

/// <summary>How an ask ended.</summary>
/// <param name="End">Answered (confirmed or declined), no answer in time, the asker gone, or the server stopping.</param>
/// <param name="Answer">The reply, when answered.</param>
/// <param name="Asking">The ask.</param>
internal sealed record AskOutcome(AskEnd End, HarkMessage? Answer, Asking Asking);
