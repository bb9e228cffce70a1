namespace Hark.AspNetCore.Internal;

/// <summary>Where a subscription's named parameters come from: a query string, or the members of a socket's subscribe frame.</summary>
internal interface ISubscribeParameters
{
    /// <summary>The value of <paramref name="name"/> (case-insensitive) as text; false when it is absent.</summary>
    bool TryGet(string name, out string value);
}
