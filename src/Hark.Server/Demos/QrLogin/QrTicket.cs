namespace Hark.Server.Demos.QrLogin;

/// <summary>A single-use login ticket: the login page holds <see cref="BrowserKey"/>; the QR code carries only <see cref="Id"/>.</summary>
public sealed class QrTicket(string id, string browserKey, DateTimeOffset expires)
{
    public string Id { get; } = id;

    public string BrowserKey { get; } = browserKey;

    public DateTimeOffset Expires { get; } = expires;

    public string Channel => "demo.qr." + Id;

    /// <summary>pending → authorized → used, or pending → cancelled / expired. Guarded by the ticket itself.</summary>
    public QrTicketState State { get; set; } = QrTicketState.Pending;

    public string? User { get; set; }

    public ITimer? ExpiryTimer { get; set; }
}

public enum QrTicketState
{
    Pending,
    Authorized,
    Used,
    Cancelled,
    Expired,
}
