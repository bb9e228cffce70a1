namespace Hark.AspNetCore;

/// <summary>Cross-origin (CORS) access.</summary>
public sealed class CrossOriginOptions
{
    /// <summary>
    /// Origins allowed to call Hark from a browser, such as <c>https://app.example.com</c>. Empty (the
    /// default) sends no CORS headers; <c>*</c> allows any origin, which is rarely what you want.
    /// </summary>
    public IList<string> Origins { get; set; } = [];
}
