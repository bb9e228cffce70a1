namespace Hark.Bench.Scenarios;

/// <summary>Where a scenario says how far it has got.</summary>
internal interface IProgressSink
{
    void Report(string status);
}
