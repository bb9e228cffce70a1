using System.Globalization;

namespace Hark.Bench;

/// <summary>Reads a process's CPU time, user and system, from <c>/proc/{pid}/stat</c>.</summary>
internal static class ProcessCpu
{
    // /proc reports CPU time in USER_HZ ticks, which the kernel fixes at 100 per second on every architecture .NET
    // runs on (it is part of the user-space ABI, whatever the kernel's own HZ); sysconf(_SC_CLK_TCK) returns that
    // same 100, and asking it would take interop in a tool for a constant.
    private const double TicksPerSecond = 100;

    /// <summary>
    /// The CPU time, in seconds, that the processes <paramref name="pids"/> have used since they started, all threads
    /// together; null when any of them cannot be read (no such process, no /proc, not permitted).
    /// </summary>
    public static double? Seconds(IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return null;
        }
        long ticks = 0;
        foreach (var pid in pids)
        {
            string line;
            try
            {
                line = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (ParseTicks(line) is not { } used)
            {
                return null;
            }
            ticks += used;
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>
    /// utime + stime, in clock ticks, from one <c>/proc/{pid}/stat</c> line; null when the line is not one.
    /// The second field is the command name in parentheses and may itself hold spaces and parentheses, so the
    /// fields are counted from the last <c>)</c>: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
    /// majflt, cmajflt, then utime and stime (fields 14 and 15 in proc(5)).
    /// </summary>
    public static long? ParseTicks(string stat)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int UserTime = 11, SystemTime = 12;
        if (fields.Length <= SystemTime
            || !long.TryParse(fields[UserTime], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[SystemTime], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
        {
            return null;
        }
        return user + system;
    }
}
