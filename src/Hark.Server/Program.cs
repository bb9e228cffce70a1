using Hark.Server;

// Socket completions run on the socket engine's threads instead of hopping to the thread pool. Everything
// this server runs is non-blocking, and a fan-out delivery then costs no thread switch (docs/benchmarks.md).
// Setting DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS yourself (0 turns it off) wins; it must be set
// before the first socket is made, which is why it is here and not in configuration.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

await HarkApp.Create(args).RunAsync();
