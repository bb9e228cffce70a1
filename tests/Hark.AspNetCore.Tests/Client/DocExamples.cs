using System.Text.Json;
using Hark.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Shop.Workers;

// The code blocks of docs/client-dotnet.md, verbatim: DocExamplesTests checks that each block appears
// here, so they compile, and runs them against a real server.
#pragma warning disable CA1812 // instantiated by the host

public static class DocExamples
{
    public static void Register(WebApplicationBuilder builder)
    {
        builder.Services.AddHarkClient(options =>
        {
            options.BaseAddress = new Uri("http://127.0.0.1:8090/");
            options.PublisherKey = builder.Configuration["Hark:PublisherKey"];
        });
    }

    public static async Task NotifyShippedAsync(HarkClient hark, string orderId, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(new { orderId, status = "shipped" });
        var result = await hark.PublishJsonAsync($"order.{orderId}", data, "order.status", cancellationToken);
        Console.WriteLine($"published #{result.Seq}; {result.Subscribers} subscribers were waiting");
    }

    public static async Task<bool> ApprovePaymentAsync(HarkClient hark, string userId, decimal amount, CancellationToken cancellationToken)
    {
        var question = JsonSerializer.SerializeToElement(new { text = $"Approve payment of {amount:0.00}?" });
        var answer = await hark.AskJsonAsync($"user.{userId}.devices", question, TimeSpan.FromSeconds(30), cancellationToken);
        return answer.Outcome == HarkAnswerOutcome.Confirmed;
    }

    public static async Task ShowRoomAsync(HarkClient hark, string room, CancellationToken cancellationToken)
    {
        var present = new Dictionary<string, HarkPresentClient>();
        await foreach (var e in hark.WatchPresenceAsync(room, cancellationToken: cancellationToken))
        {
            switch (e)
            {
                case HarkPresenceList list: // first, and again after a gap: it replaces what was known
                    present = list.Presence.Clients.ToDictionary(c => c.Client);
                    break;
                case HarkPresenceJoined joined:
                    present[joined.Client.Client] = joined.Client;
                    break;
                case HarkPresenceLeft left: // left.Reason: closed or expired
                    present.Remove(left.Client);
                    break;
            }
            Console.WriteLine($"{room}: {string.Join(", ", present.Keys)}");
        }
    }
}

public sealed class MailWorker(HarkClient hark, ICursorStore store) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cursor = await store.LoadAsync(stoppingToken); // null the first time: start from now
        await foreach (var e in hark.SubscribeAsync(["mail.user42"], cursor, stoppingToken))
        {
            switch (e)
            {
                case HarkMessage mail:
                    Console.WriteLine($"new mail: {mail.Text}");
                    break;
                case HarkGap gap:
                    Console.WriteLine($"missed messages on {string.Join(", ", gap.Channels.Select(g => g.Channel))}: reload the inbox");
                    break;
                case HarkChannelClosed:
                    return;
            }
            await store.SaveAsync(e.Cursor, stoppingToken); // resume here after a restart
        }
    }
}

public interface ICursorStore
{
    Task<string?> LoadAsync(CancellationToken cancellationToken);

    Task SaveAsync(string cursor, CancellationToken cancellationToken);
}
