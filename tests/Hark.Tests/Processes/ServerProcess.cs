using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Hark.Tests.Processes;

/// <summary>
/// A real Hark server process (the built <c>Hark.Server.dll</c>) on a loopback port of its own, with the engine its
/// settings name. Its output is kept for the test log; disposing kills it (and anything it started).
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(string name, IReadOnlyDictionary<string, string> settings)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ServerDll)!,
        };
        start.ArgumentList.Add(ServerDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Hark"] = "Information";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _address.TrySetException(new InvalidOperationException($"{Name} exited before it listened:\n{Output}"));
    }

    public string Name { get; }

    public Uri Address => _address.Task.IsCompletedSuccessfully ? _address.Task.Result : throw new InvalidOperationException($"{Name} is not listening.");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The server built next to these tests (same configuration), found from the repository root.</summary>
    public static string ServerDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            // tests/{project}/bin/{Configuration}/{tfm}/
            var tfm = dir.Name;
            var configuration = dir.Parent!.Name;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hark.slnx")))
            {
                dir = dir.Parent;
            }
            var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Repository root not found."),
                "src", "Hark.Server", "bin", configuration, tfm, "Hark.Server.dll");
            return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build the solution first.");
        }
    }

    /// <summary>Starts a server with <paramref name="settings"/> as environment variables (<c>Hark__Engine</c> and the like).</summary>
    public static async Task<ServerProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var server = new ServerProcess(name, settings);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server._address.Task.WaitAsync(StartTimeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary><c>kill -9</c>: no shutdown, no goodbye to clients or the database.</summary>
    public void KillHard()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _process.WaitForExit(10_000);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Append('[').Append(Name).Append("] ").AppendLine(line);
        }
        if (AnnouncedAddress().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Hark is running at (http://127\.0\.0\.1:\d+)/")]
    private static partial Regex AnnouncedAddress();

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
