using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Hark.AspNetCore.Tests.Infrastructure;

namespace Hark.AspNetCore.Tests;

/// <summary>Plays every case of tests/corpus/http against a real server: a 4xx (or a closed connection), never a 5xx, and still healthy.</summary>
public sealed partial class HostileInputTests(ITestOutputHelper output) : ServerTest(output)
{
    private static string CorpusDirectory([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../corpus/http"));

    public static TheoryData<string> Cases() => [.. Directory.GetFiles(CorpusDirectory(), "*.http").Select(f => Path.GetFileName(f)).Order()];

    [Fact]
    public void Corpus_HasCases() => Assert.True(Cases().Count >= 40);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileRequest_GetsA4xx_AndTheServerStaysHealthy(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(CorpusDirectory(), file));
        // A first line '#expect 505' or '#expect 2xx' states a correct answer other than a 4xx.
        var expect = text.StartsWith("#expect ", StringComparison.Ordinal) ? text[8..text.IndexOf('\n', StringComparison.Ordinal)].Trim() : "4xx";
        var request = Expand(expect == "4xx" ? text : text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Server.Address.Host, Server.Address.Port);
        try
        {
            await socket.SendAsync(request);
        }
        catch (SocketException)
        {
            // The server may close on a request it has already refused while we are still sending.
        }
        var status = await ReadStatusAsync(socket);
        Output.WriteLine($"{file}: {(status?.ToString() ?? "connection closed")}");

        var ok = expect switch
        {
            "4xx" => status is null or (>= 400 and < 500),
            "2xx" => status is >= 200 and < 300,
            _ => status?.ToString(System.Globalization.CultureInfo.InvariantCulture) == expect,
        };
        Assert.True(ok, $"{file} answered {status?.ToString() ?? "nothing"}, expected {expect}");
        using var health = await Server.Client.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task<int?> ReadStatusAsync(Socket socket)
    {
        var buffer = new byte[256];
        var read = 0;
        using var cts = new CancellationTokenSource(HarkTestServer.Patience);
        try
        {
            while (read < 12)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
        }
        catch (SocketException)
        {
        }
        var line = Encoding.ASCII.GetString(buffer, 0, read);
        return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(line.AsSpan(9, 3), out var status) ? status : null;
    }

    /// <summary>Turns a corpus file into the bytes on the wire (see tests/corpus/README.md).</summary>
    internal static byte[] Expand(string text)
    {
        text = Long().Replace(text, m => new string(m.Groups[1].Value[0], int.Parse(m.Groups[2].Value)));
        text = Repeat().Replace(text, m => string.Concat(Enumerable.Repeat(m.Groups[1].Value.Replace("\\n", "\n", StringComparison.Ordinal), int.Parse(m.Groups[2].Value))));
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = blank < 0 ? text.TrimEnd('\n') : text[..blank];
        var body = blank < 0 ? "" : text[(blank + 2)..];
        var chunked = head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase);
        var wire = head.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n\r\n" + (chunked ? body.Replace("\n", "\r\n", StringComparison.Ordinal) : body);
        var bytes = new List<byte>(wire.Length);
        for (var i = 0; i < wire.Length; i++)
        {
            if (wire[i] == '\\' && i + 3 < wire.Length && wire[i + 1] == 'x')
            {
                bytes.Add(Convert.ToByte(wire.Substring(i + 2, 2), 16));
                i += 3;
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(wire[i].ToString()));
        }
        return [.. bytes];
    }

    [GeneratedRegex(@"\{\{LONG:(.):(\d+)\}\}")]
    private static partial Regex Long();

    [GeneratedRegex(@"\{\{REPEAT:(.+?):(\d+)\}\}")]
    private static partial Regex Repeat();
}
