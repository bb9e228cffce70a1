using Microsoft.Extensions.DependencyInjection;

namespace Hark.AspNetCore;

/// <summary>Returned by <c>AddHark()</c>; engines and extensions hang their own registration methods on it.</summary>
public interface IHarkBuilder
{
    /// <summary>The services Hark was added to.</summary>
    IServiceCollection Services { get; }
}
