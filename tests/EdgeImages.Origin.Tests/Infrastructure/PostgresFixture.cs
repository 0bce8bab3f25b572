using EdgeImages.Testing;

namespace EdgeImages.Origin.Tests.Infrastructure;

/// <summary>One real PostgreSQL per test class (class fixture); tests isolate themselves by tenant or by database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private int _databases;

    internal PostgresServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>The superuser's connection to the database <c>test</c>, for tests that look under the origin.</summary>
    public string ConnectionString => Server.ConnectionString;

    /// <summary>The origin's logins to the database <c>origin</c>: its application role and its schema owner.</summary>
    public OriginLogins Logins { get; private set; } = null!;

    /// <summary>A database of its own (and its two roles), for tests that must see an empty schema.</summary>
    public Task<OriginLogins> NewDatabaseAsync() => Server.CreateOriginDatabaseAsync($"db{Interlocked.Increment(ref _databases)}");

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.StartAsync();
        Logins = await _server.CreateOriginDatabaseAsync("origin");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>A PostgreSQL and one origin node on it, with a tenant key ready, for classes that only need one node.</summary>
public sealed class OriginFixture : IAsyncLifetime
{
    private int _tenants;

    public PostgresFixture Postgres { get; } = new();

    internal OriginServer Origin { get; private set; } = null!;

    /// <summary>A fresh tenant and its key, so that tests sharing the fixture never see each other's originals.</summary>
    public async Task<(string Tenant, string Key)> NewTenantAsync()
    {
        var tenant = $"t{Interlocked.Increment(ref _tenants)}-{Guid.NewGuid():N}"[..20];
        return (tenant, await Origin.CreateKeyAsync(tenant));
    }

    public async Task InitializeAsync()
    {
        await Postgres.InitializeAsync();
        Origin = await OriginServer.StartAsync(Postgres.Logins);
    }

    public async Task DisposeAsync()
    {
        if (Origin is not null)
        {
            await Origin.DisposeAsync();
        }

        await Postgres.DisposeAsync();
    }
}
