using System.Globalization;

namespace Hark.Bench;

/// <summary>Reads a process's resident memory from <c>/proc/{pid}/status</c> (VmRSS).</summary>
internal static class ProcessMemory
{
    public static long ResidentBytes(IEnumerable<int> pids) => pids.Sum(ResidentBytes);

    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line[6..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        throw new InvalidOperationException($"No VmRSS for process {pid}.");
    }
}
