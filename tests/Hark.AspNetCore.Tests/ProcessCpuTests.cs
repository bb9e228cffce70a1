using Hark.Bench;

namespace Hark.AspNetCore.Tests;

public sealed class ProcessCpuTests
{
    [Fact]
    public void ParseTicks_CommWithSpacesAndParentheses_SumsUtimeAndStime()
    {
        // A command name may hold anything, ") S 1 2" included; only the last ')' ends it.
        const string Stat = "4242 (bad) S 1 2 (name)) R 4000 4242 4242 0 -1 4194560 1714 0 3 0 250 75 0 0 20 0 12 0 479608 3133440 390 18446744073709551615";

        Assert.Equal(325, ProcessCpu.ParseTicks(Stat));
    }

    [Fact]
    public void ParseTicks_PlainLine_SumsUtimeAndStime()
    {
        const string Stat = "7021 (cat) R 7016 7016 5761 0 -1 4194304 100 0 0 0 3 4 0 0 20 0 1 0 479608 3133440 390 18446744073709551615 0 0 0 0";

        Assert.Equal(7, ProcessCpu.ParseTicks(Stat));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a stat line")]
    [InlineData("7021 (cat) R 7016 7016 5761 0 -1 4194304 100 0 0 0 3")]
    [InlineData("7021 (cat) R 7016 7016 5761 0 -1 4194304 100 0 0 0 x 4 0 0")]
    public void ParseTicks_NotAWholeStatLine_ReturnsNull(string stat) => Assert.Null(ProcessCpu.ParseTicks(stat));

    [Fact]
    public void Seconds_ThisProcess_IsPositive() => Assert.True(ProcessCpu.Seconds([Environment.ProcessId]) > 0);

    [Fact]
    public void Seconds_NoPidOrNoSuchProcess_ReturnsNull()
    {
        Assert.Null(ProcessCpu.Seconds([]));
        // Above the kernel's largest pid (pid_max is at most 2^22), so never a live process.
        Assert.Null(ProcessCpu.Seconds([int.MaxValue]));
        Assert.Null(ProcessCpu.Seconds([Environment.ProcessId, int.MaxValue]));
    }
}
