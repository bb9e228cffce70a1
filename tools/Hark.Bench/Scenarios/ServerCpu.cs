namespace Hark.Bench.Scenarios;

/// <summary>
/// The server's CPU time (user and system, every thread, from <c>/proc/{pid}/stat</c>) over a scenario's measured
/// window: in all, per delivery, per publish where publishes are counted, and as a share of the window's wall time
/// (1.0 is one core busy throughout), which tells whether the server or the load generator saturated.
/// </summary>
internal sealed record ServerCpu(double Seconds, double WallSeconds, double Utilisation, double MicrosecondsPerDelivery, double? MicrosecondsPerPublish = null);
