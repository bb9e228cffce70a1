namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>A test class with its own server per test, started with the given settings and stopped after.</summary>
public abstract class ServerTest(ITestOutputHelper output, params string[] settings) : IAsyncLifetime
{
    protected ITestOutputHelper Output { get; } = output;

    protected HarkTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await HarkTestServer.StartAsync(Output, settings);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
