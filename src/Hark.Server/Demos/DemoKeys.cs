using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos;

/// <summary>The demo's keys: configured ones, or random ones made at start and never written anywhere.</summary>
public sealed class DemoKeys(IOptions<DemoOptions> options)
{
    /// <summary>The identity provider's callback signing secret.</summary>
    public byte[] IdentityProvider { get; } = options.Value.IdentityProviderSecret is { Length: > 0 } s ? Encoding.UTF8.GetBytes(s) : RandomNumberGenerator.GetBytes(32);

    /// <summary>Signs session cookies.</summary>
    public byte[] Session { get; } = RandomNumberGenerator.GetBytes(32);
}
