using EdgeImages.Edge.Hosting;

// The whole edge is assembled in EdgeApplication so that tests start exactly what production starts.
var app = EdgeApplication.Build(EdgeApplication.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
