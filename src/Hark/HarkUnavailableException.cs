namespace Hark;

/// <summary>
/// The engine's store cannot be reached (a database is down or restarting). Nothing was done, or the
/// outcome is unknown; the HTTP layer answers 503 with <c>Retry-After</c>, and retrying later may succeed.
/// </summary>
public sealed class HarkUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HarkUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
