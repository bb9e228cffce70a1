using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hark.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real nginx (Debian's) in front of a test server, configured as docs/operations.md ("Behind nginx") says:
/// HTTP/1.1 with keep-alive to the upstream, <c>Host</c> and <c>X-Forwarded-For</c> passed on, no buffering.
/// It runs in the foreground as one process on 127.0.0.1 on a free port, with its pid file, error log and
/// temporary files in a directory of its own, and its error log goes into the test output when it stops.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    public const string DefaultPath = "/usr/sbin/nginx";

    // Binding can lose a race for the free port with another process; then nginx exits and another port is tried.
    private const int Attempts = 5;

    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _console;
    private readonly ITestOutputHelper _output;

    private NginxProxy(Process process, DirectoryInfo directory, StringBuilder console, Uri address, ITestOutputHelper output)
    {
        _process = process;
        _directory = directory;
        _console = console;
        _output = output;
        Address = address;
    }

    /// <summary>Where clients reach the proxy.</summary>
    public Uri Address { get; }

    /// <summary>Starts nginx proxying to <paramref name="upstream"/>; the nginx of <c>HARK_NGINX</c>, else Debian's.</summary>
    public static async Task<NginxProxy> StartAsync(Uri upstream, ITestOutputHelper output)
    {
        var nginx = Environment.GetEnvironmentVariable("HARK_NGINX") is { Length: > 0 } path ? path : DefaultPath;
        if (!File.Exists(nginx))
        {
            throw new InvalidOperationException($"nginx is not at {nginx}: run scripts/nginx.sh (scripts/test.sh does) to install Debian's nginx.");
        }
        var directory = Directory.CreateTempSubdirectory("hark-nginx-");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "nginx.conf"), Configuration(directory.FullName, port, upstream));
            var console = new StringBuilder();
            var process = Start(nginx, directory.FullName, console);
            if (await StartedAsync(process, directory))
            {
                return new NginxProxy(process, directory, console, new Uri($"http://127.0.0.1:{port}"), output);
            }
            var log = ErrorLog(directory);
            if (attempt < Attempts && log.Contains("Address already in use", StringComparison.Ordinal))
            {
                output.WriteLine($"nginx: port {port} was taken, trying another");
                File.Delete(Path.Combine(directory.FullName, "error.log"));
                continue;
            }
            directory.Delete(recursive: true);
            throw new InvalidOperationException($"nginx did not start (exit code {process.ExitCode}).\n{Console(console)}\n{log}");
        }
    }

    private static string Configuration(string directory, int port, Uri upstream) => $$"""
        # One process in the foreground ("daemon off;" is given on the command line): the test owns its lifetime.
        master_process off;
        pid {{directory}}/nginx.pid;
        error_log {{directory}}/error.log info;

        events {
            worker_connections 256;
        }

        http {
            access_log off;
            client_body_temp_path {{directory}}/client_body;
            proxy_temp_path {{directory}}/proxy;
            fastcgi_temp_path {{directory}}/fastcgi;
            uwsgi_temp_path {{directory}}/uwsgi;
            scgi_temp_path {{directory}}/scgi;

            # As docs/operations.md ("Behind nginx"), with one node.
            upstream hark {
                server {{upstream.Host}}:{{upstream.Port}} max_fails=0;
                keepalive 16;
            }

            server {
                listen 127.0.0.1:{{port}};

                location / {
                    proxy_pass http://hark;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_read_timeout 150s;
                    proxy_send_timeout 150s;
                    proxy_buffering off;
                    proxy_cache off;
                    proxy_next_upstream error timeout http_503;
                }
            }
        }
        """;

    private static Process Start(string nginx, string directory, StringBuilder console)
    {
        var start = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -e: even the messages from before the configuration is read go to this directory, not /var/log/nginx.
        foreach (var argument in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-e", Path.Combine(directory, "error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(argument);
        }
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (console)
                {
                    console.AppendLine(line.Data);
                }
            }
        };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// True once nginx has written its pid file, which it does only after binding its listening socket; false if it
    /// exits first. Nothing else tells from outside that nginx is ready: a connection could reach another process
    /// that holds the port.
    /// </summary>
    private static async Task<bool> StartedAsync(Process process, DirectoryInfo directory)
    {
        var pidFile = Path.Combine(directory.FullName, "nginx.pid");
        var deadline = DateTime.UtcNow + HarkTestServer.Patience;
        while (!process.HasExited)
        {
            if (File.Exists(pidFile) && (await File.ReadAllTextAsync(pidFile)).Trim() == process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return true;
            }
            if (DateTime.UtcNow > deadline)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"nginx did not write its pid file within {HarkTestServer.Patience}.\n{ErrorLog(directory)}");
            }
            await Task.Delay(20);
        }
        await process.WaitForExitAsync().WaitAsync(HarkTestServer.Patience);
        return false;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string ErrorLog(DirectoryInfo directory)
    {
        var path = Path.Combine(directory.FullName, "error.log");
        return File.Exists(path) ? File.ReadAllText(path) : "(no error log)";
    }

    private static string Console(StringBuilder console)
    {
        lock (console)
        {
            return console.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync().WaitAsync(HarkTestServer.Patience);
        // xunit shows a test's output when it fails, so nginx's view of a failed test is there to read.
        foreach (var line in (Console(_console) + ErrorLog(_directory)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            _output.WriteLine("nginx: " + line);
        }
        _process.Dispose();
        _directory.Delete(recursive: true);
    }
}
