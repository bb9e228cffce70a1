using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Hark.AspNetCore.Internal;

/// <summary>
/// A file embedded in this assembly and served as is: the browser client (<c>clients/js/hark.js</c> and its
/// declarations), and the dashboard's page and scripts. The client is embedded in this assembly and
/// served by <c>MapHark</c> next to the endpoints it talks to, so a page imports the client that matches
/// its server. A strong ETag and <c>Cache-Control: no-cache</c>: browsers revalidate, and get a 304 until
/// the server is upgraded.
/// </summary>
internal sealed class ClientFile
{
    public static readonly ClientFile Script = Load("Client.hark.js", "text/javascript; charset=utf-8");

    public static readonly ClientFile Declarations = Load("Client.hark.d.ts", "application/typescript");

    private readonly byte[] _content;
    private readonly string _contentType;
    private readonly EntityTagHeaderValue _etag;

    private ClientFile(byte[] content, string contentType)
    {
        _content = content;
        _contentType = contentType;
        _etag = new EntityTagHeaderValue("\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"");
    }

    public ReadOnlyMemory<byte> Content => _content;

    public string ETag => _etag.Tag.ToString();

    public Task ServeAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.ETag = ETag;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        // Public code with nothing secret in it. Module scripts are fetched with CORS, so without this a page
        // on another origin could not import the client (a configured CORS policy's answer is kept).
        if (!response.Headers.ContainsKey(HeaderNames.AccessControlAllowOrigin))
        {
            response.Headers.AccessControlAllowOrigin = "*";
        }
        if (NotModified(context.Request))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = _contentType;
        response.ContentLength = _content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(_content, context.RequestAborted).AsTask();
    }

    /// <summary>RFC 9110 If-None-Match: weak comparison, <c>*</c> matches.</summary>
    private bool NotModified(HttpRequest request) =>
        request.Headers.IfNoneMatch.Count > 0
        && EntityTagHeaderValue.TryParseList(request.Headers.IfNoneMatch, out var tags)
        && tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(_etag, useStrongComparison: false));

    /// <summary>An embedded file, by its name after <c>Hark.AspNetCore.</c> (such as <c>Client.hark.js</c>).</summary>
    public static ClientFile Load(string name, string contentType)
    {
        using var stream = typeof(ClientFile).Assembly.GetManifestResourceStream("Hark.AspNetCore." + name)
            ?? throw new InvalidOperationException($"The embedded file '{name}' is missing from the build.");
        var content = new byte[stream.Length];
        stream.ReadExactly(content);
        return new ClientFile(content, contentType);
    }
}
