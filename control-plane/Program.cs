using EdgeImages.ControlPlane.Hosting;

// The whole control plane is assembled in ControlPlaneApplication so that tests start exactly what production starts.
var app = ControlPlaneApplication.Build(ControlPlaneApplication.CreateBuilder(args));
await app.RunAsync().ConfigureAwait(false);
