using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, made once per test run and written to a PFX file
/// that Kestrel loads through <c>Kestrel:Certificates:Default</c>, as an operator's certificate would be.
/// </summary>
public static class TestCertificate
{
    private const string Password = "hark-test";

    private static readonly Lazy<string> File = new(Create);

    /// <summary>Settings that serve HTTPS (HTTP/1.1 and HTTP/2 by ALPN) on a free loopback port with the certificate.</summary>
    public static string[] HttpsSettings =>
    [
        "urls=https://127.0.0.1:0",
        $"Kestrel:Certificates:Default:Path={File.Value}",
        $"Kestrel:Certificates:Default:Password={Password}",
    ];

    /// <summary>A handler that trusts the test's certificate (and, as a test client may, any other).</summary>
    public static SocketsHttpHandler TrustingHandler() => new()
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseProxy = false,
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    };

    private static string Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Hark test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        var path = Path.Combine(Path.GetTempPath(), $"hark-test-{Environment.ProcessId}-{Guid.NewGuid():N}.pfx");
        System.IO.File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    }
}
