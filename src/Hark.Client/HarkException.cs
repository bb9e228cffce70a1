namespace Hark.Client;

/// <summary>The server refused a request; <see cref="Status"/> and the RFC 9457 problem say why.</summary>
public class HarkException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HarkException(int status, string? problemType, string message) : base(message)
    {
        Status = status;
        ProblemType = problemType;
    }

    /// <summary>Creates the exception.</summary>
    public HarkException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The problem's <c>type</c>, such as <c>urn:hark:problem:invalid-cursor</c>.</summary>
    public string? ProblemType { get; }
}

/// <summary>401 or 403: the key or token was refused or has expired. Subscriptions stop instead of retrying.</summary>
public sealed class HarkAuthorizationException : HarkException
{
    /// <summary>Creates the exception.</summary>
    public HarkAuthorizationException(int status, string? problemType, string message) : base(status, problemType, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkAuthorizationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkAuthorizationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public HarkAuthorizationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
