namespace Hark;

/// <summary>An engine limit refused the operation; retrying later may succeed.</summary>
public sealed class HarkLimitException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HarkLimitException(string limit, string message) : base(message) => Limit = limit;

    /// <summary>Creates the exception.</summary>
    public HarkLimitException()
    {
        Limit = "";
    }

    /// <summary>Creates the exception.</summary>
    public HarkLimitException(string message) : base(message)
    {
        Limit = "";
    }

    /// <summary>Creates the exception.</summary>
    public HarkLimitException(string message, Exception innerException) : base(message, innerException)
    {
        Limit = "";
    }

    /// <summary>Which limit: <c>channels</c>, <c>history</c> or <c>subscribers</c>.</summary>
    public string Limit { get; }
}
