using EdgeImages.Origin.Hosting;

// The whole origin is assembled in OriginApplication so that tests start exactly what production starts.
var app = OriginApplication.Build(OriginApplication.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
