using System.Text.RegularExpressions;
using Hark.AspNetCore.Tests.Infrastructure;
using Hark.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Shop.Workers;

namespace Hark.AspNetCore.Tests.Client;

public sealed partial class DocExamplesTests(ITestOutputHelper output) : ServerTest(output)
{
    private static string Repo([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../.."));

    private static string Normalize(string code) => WhitespaceRun().Replace(code, " ").Trim();

    [Fact]
    public void EveryCodeBlockOfTheDoc_IsCompiledHere()
    {
        var doc = File.ReadAllText(Path.Combine(Repo(), "docs/client-dotnet.md"));
        var compiled = Normalize(File.ReadAllText(Path.Combine(Repo(), "tests/Hark.AspNetCore.Tests/Client/DocExamples.cs")));
        var blocks = CSharpBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(blocks);
        Assert.All(blocks, block => Assert.Contains(Normalize(block), compiled));
    }

    [Fact]
    public async Task Register_Publish_AndWorker_RunAsWritten()
    {
        var builder = WebApplication.CreateSlimBuilder();
        DocExamples.Register(builder);
        builder.Services.Configure<HarkClientOptions>(o => o.BaseAddress = Server.Address);
        await using var provider = builder.Services.BuildServiceProvider();
        var hark = provider.GetRequiredService<HarkClient>();

        await DocExamples.NotifyShippedAsync(hark, "17", default);
        Assert.Equal(1, (await hark.GetChannelAsync("order.17"))!.Messages);

        var store = new MemoryCursorStore();
        using var worker = new MailWorker(hark, store);
        await worker.StartAsync(default);
        await HarkTestServer.EventuallyAsync(async () => await Server.WaitingSubscribersAsync("mail.user42") == 1, "the worker listens");
        await hark.PublishAsync("mail.user42", "hello");
        await HarkTestServer.EventuallyAsync(() => store.Saved is not null, "the worker stored a cursor");
        await worker.StopAsync(default);

        Assert.EndsWith(":1", store.Saved);
    }

    private sealed class MemoryCursorStore : ICursorStore
    {
        public string? Saved { get; private set; }

        public Task<string?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Saved);

        public Task SaveAsync(string cursor, CancellationToken cancellationToken)
        {
            Saved = cursor;
            return Task.CompletedTask;
        }
    }

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("\\s+")]
    private static partial Regex WhitespaceRun();
}
