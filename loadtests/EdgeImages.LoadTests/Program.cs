using EdgeImages.LoadTests;

return await Cli.RunAsync(args, Console.Out, CancellationToken.None);
