using Hark.Server;

await HarkApp.Create(args).RunAsync();
