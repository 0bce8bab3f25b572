using EdgeImages.Cli;

return CliApp.Run(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable, TimeProvider.System);
