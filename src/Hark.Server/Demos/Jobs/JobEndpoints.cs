using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Hark.Server.Demos.Jobs;

/// <summary>Starts simulated upgrade jobs (<c>POST /api/jobs</c>); their progress is on latest-value channels <c>demo.job.{id}</c>.</summary>
internal static partial class JobEndpoints
{
    public const string ChannelPattern = "demo.job.*";

    /// <summary>A channel of the pattern, to check the settings with.</summary>
    public const string ExampleChannel = "demo.job.example";
    private const int MaxRunning = 16;
    private static int s_running;

    private sealed record Start(int? Devices, double? Speed);

    public static void Map(IEndpointRouteBuilder app) => app.MapPost("/api/jobs", StartJob);

    private static IResult StartJob(Start body, IHarkEngine engine, TimeProvider time, IOptions<DemoOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory logs)
    {
        var max = options.Value.MaxJobDevices;
        if (body.Devices is not { } devices || devices < 1 || devices > max)
        {
            return DemoProblem.BadRequest("invalid-devices", $"devices is 1 to {max}.");
        }
        if (body.Speed is { } s && (!double.IsFinite(s) || s < 0.1 || s > 20))
        {
            return DemoProblem.BadRequest("invalid-speed", "speed is 0.1 to 20 (1 is real time for the demo).");
        }
        if (Interlocked.Increment(ref s_running) > MaxRunning)
        {
            Interlocked.Decrement(ref s_running);
            return DemoProblem.Of(StatusCodes.Status429TooManyRequests, "too-many-jobs", "Too many jobs", $"At most {MaxRunning} jobs run at once; wait for one to finish.");
        }
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(9));
        var job = new UpgradeJob(id, devices, body.Speed ?? 1, RandomNumberGenerator.GetInt32(int.MaxValue));
        var log = logs.CreateLogger("Hark.Server.Demos.Jobs");
        _ = Task.Run(async () =>
        {
            try
            {
                await job.RunAsync(engine, time, lifetime.ApplicationStopping);
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                JobFailed(log, e, id);
            }
            finally
            {
                Interlocked.Decrement(ref s_running);
            }
        });
        return TypedResults.Created($"/sub/{job.Channel}", new { job = id, channel = job.Channel, devices });
    }

    [LoggerMessage(1, LogLevel.Error, "Upgrade job {Job} failed")]
    private static partial void JobFailed(ILogger logger, Exception exception, string job);
}
