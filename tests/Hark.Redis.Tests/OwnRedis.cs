using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hark.Redis.Tests;

/// <summary>
/// A redis-server of a test's own, from <c>scripts/redis.sh</c>, for tests that flush, stop or pause it (the shared
/// test server must not see that); stopped and removed on dispose.
/// </summary>
public sealed partial class OwnRedis : IAsyncDisposable
{
    private string _folder = "";

    /// <summary>host:port.</summary>
    public string Server { get; private set; } = "";

    public static async Task<OwnRedis> StartAsync(bool appendOnly = false)
    {
        var output = await ScriptAsync(appendOnly ? ["start", "--aof"] : ["start"]);
        var exports = Export().Matches(output).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return new OwnRedis { _folder = exports["HARK_TEST_REDIS_DIR"], Server = exports["HARK_TEST_REDIS"] };
    }

    /// <summary>Stops the server (SHUTDOWN NOSAVE): what is not in its append-only file is lost.</summary>
    public Task PauseAsync() => ScriptAsync(["pause", _folder]);

    /// <summary>Starts it again on the same port.</summary>
    public Task ResumeAsync() => ScriptAsync(["resume", _folder]);

    public Task<string> CliAsync(params string[] arguments) => TestRedis.CliAsync(Server, arguments);

    public async ValueTask DisposeAsync()
    {
        if (_folder.Length > 0)
        {
            await ScriptAsync(["stop", _folder]);
        }
    }

    private static async Task<string> ScriptAsync(string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script);
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"redis.sh {arguments[0]} failed: {await error}");
        return await output;
    }

    /// <summary>scripts/redis.sh of this checkout, found from the test's output folder upwards.</summary>
    private static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "scripts", "redis.sh");
                if (File.Exists(script))
                {
                    return script;
                }
            }
            throw new InvalidOperationException("scripts/redis.sh not found above " + AppContext.BaseDirectory);
        }
    }

    [GeneratedRegex("export (HARK_TEST_REDIS\\w*)='([^']*)'")]
    private static partial Regex Export();
}
