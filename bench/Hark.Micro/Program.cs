using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

// Every benchmark reports the bytes it allocates per operation; pass BenchmarkDotNet's own options after --,
// such as --filter '*' --job short (see docs/benchmarks.md).
BenchmarkSwitcher.FromAssembly(typeof(Hark.Micro.PollPath).Assembly)
    .Run(args, DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default));
