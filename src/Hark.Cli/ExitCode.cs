namespace Hark.Cli;

/// <summary>What the hark command exits with.</summary>
internal static class ExitCode
{
    public const int Ok = 0;

    /// <summary>The server refused the request (a 4xx/5xx problem), or the channel does not exist.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The server could not be reached.</summary>
    public const int Unreachable = 3;
}
