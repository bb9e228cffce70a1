namespace Hark.Bench.Targets;

/// <summary>
/// Hark's Nchan-compatible door (<c>Hark:Nchan:Enabled</c>), driven exactly as Nchan is (<see cref="NchanTarget"/>: the same
/// requests, under the door's prefix), so Nchan's scenarios run unchanged against it; the held count is Hark's.
/// </summary>
internal sealed class HarkNchanTarget(Uri baseUri, string prefix) : NchanTarget(baseUri, prefix)
{
    /// <summary>Where the door is when the URL names no path.</summary>
    public const string DefaultPrefix = "/nchan";

    public override string Name => "hark-nchan";

    public override Task<long> HeldAsync(CancellationToken cancellationToken) => HarkTarget.HeldAsync(Http, cancellationToken);

    /// <summary>The target for <c>--url</c>: the server's root and, from the URL's path, the door's prefix.</summary>
    public static HarkNchanTarget For(Uri url)
    {
        var prefix = url.AbsolutePath.TrimEnd('/');
        return new HarkNchanTarget(new Uri(url.GetLeftPart(UriPartial.Authority)), prefix.Length > 0 ? prefix : DefaultPrefix);
    }
}
