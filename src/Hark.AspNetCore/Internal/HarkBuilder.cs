using Microsoft.Extensions.DependencyInjection;

namespace Hark.AspNetCore.Internal;

internal sealed class HarkBuilder(IServiceCollection services) : IHarkBuilder
{
    public IServiceCollection Services { get; } = services;
}
