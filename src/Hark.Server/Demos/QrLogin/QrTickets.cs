using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos.QrLogin;

/// <summary>
/// The login tickets and their channels. Every change of state is published to the ticket's channel
/// (<c>{"state":"authorized","user":…}</c>, <c>cancelled</c>, <c>expired</c>), which the login page long-polls.
/// </summary>
public sealed class QrTickets(IHarkEngine engine, IOptions<DemoOptions> options, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, QrTicket> _tickets = new(StringComparer.Ordinal);

    /// <summary>A new ticket and its channel's cursor; null when <see cref="DemoOptions.MaxQrTickets"/> are held already.</summary>
    public async Task<(QrTicket Ticket, string Cursor)?> CreateAsync(CancellationToken cancellationToken)
    {
        if (_tickets.Count >= options.Value.MaxQrTickets)
        {
            return null;
        }
        var ticket = new QrTicket(NewId(), NewId(), time.GetUtcNow() + options.Value.QrTicketLifetime);
        _tickets[ticket.Id] = ticket;
        // The page gets the channel's cursor now, so nothing published before its first poll can be missed.
        var start = await engine.GetStartAsync([ticket.Channel], StartPoint.Now, cancellationToken);
        ticket.ExpiryTimer = time.CreateTimer(static s => _ = ((QrTickets)((object[])s!)[0]).ExpireAsync((QrTicket)((object[])s)[1]),
            new object[] { this, ticket }, options.Value.QrTicketLifetime, Timeout.InfiniteTimeSpan);
        return (ticket, Cursor.Format(start));
    }

    public QrTicket? Find(string id) => _tickets.GetValueOrDefault(id);

    /// <summary>Moves a ticket from <paramref name="from"/> to <paramref name="to"/> and publishes it; the state it was in when that was not possible.</summary>
    public async Task<QrTicketState?> MoveAsync(QrTicket ticket, QrTicketState from, QrTicketState to, string? user = null)
    {
        QrTicketState? refused = null;
        var publish = to;
        lock (ticket)
        {
            if (ticket.State == QrTicketState.Pending && to != QrTicketState.Expired && time.GetUtcNow() >= ticket.Expires)
            {
                // Its time is over even if the timer has not fired yet: refuse, and say so to the page now.
                ticket.State = publish = QrTicketState.Expired;
                refused = QrTicketState.Expired;
            }
            else if (ticket.State != from)
            {
                return ticket.State;
            }
            else
            {
                ticket.State = to;
                ticket.User = user ?? ticket.User;
            }
        }
        if (publish is QrTicketState.Authorized or QrTicketState.Cancelled or QrTicketState.Expired)
        {
            var payload = DemoPayload.Of(new { state = publish.ToString().ToLowerInvariant(), user = publish == QrTicketState.Authorized ? user : null });
            await engine.PublishAsync(new PublishRequest(ticket.Channel, "login", payload), CancellationToken.None);
        }
        return refused;
    }

    private async Task ExpireAsync(QrTicket ticket)
    {
        if (await MoveAsync(ticket, QrTicketState.Pending, QrTicketState.Expired) is null)
        {
            // Kept one more lifetime, so a late scan is told "expired" rather than "unknown".
            ticket.ExpiryTimer?.Change(options.Value.QrTicketLifetime, Timeout.InfiniteTimeSpan);
            return;
        }
        _tickets.TryRemove(ticket.Id, out _);
        ticket.ExpiryTimer?.Dispose();
    }

    private static string NewId() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    public void Dispose()
    {
        foreach (var ticket in _tickets.Values)
        {
            ticket.ExpiryTimer?.Dispose();
        }
    }
}
