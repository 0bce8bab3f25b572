using EdgeImages.Origin.Tests.Infrastructure;
using EdgeImages.Testing.Tls;
using Npgsql;

namespace EdgeImages.Origin.Tests.Storage;

/// <summary>
/// The origin's hop to PostgreSQL as issue 13 asks: TLS only (the CA pinned, names verified), SCRAM passwords only,
/// and an application role that can read and write rows but never change the schema. Each refusal is PostgreSQL's
/// own, on the real server the origin tests use.
/// </summary>
public sealed class DatabaseSecurityTests(OriginFixture fixture) : IClassFixture<OriginFixture>
{
    private PostgresFixture Postgres => fixture.Postgres;

    [Fact]
    public async Task Connect_WithoutTls_IsRefusedByTheServer()
    {
        var plain = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { SslMode = SslMode.Disable, Pooling = false };

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(plain.ConnectionString));

        // 28000 invalid_authorization_specification: "no pg_hba.conf entry ... no encryption".
        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, refused.SqlState);
    }

    [Fact]
    public async Task Connect_PinningAnotherCa_FailsTheHandshake()
    {
        using var pki = new TestPki();
        var strangerCa = pki.Stranger.WriteCertificate(Path.Combine(pki.Directory, "stranger.crt"));
        var pinned = new NpgsqlConnectionStringBuilder(Postgres.ConnectionString) { RootCertificate = strangerCa, Pooling = false };

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(pinned.ConnectionString));
    }

    [Fact]
    public async Task Connect_WithAWrongPassword_IsRefused()
    {
        var wrong = new NpgsqlConnectionStringBuilder(Postgres.Logins.ConnectionString) { Password = "not-the-password", Pooling = false };

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(wrong.ConnectionString));

        Assert.Equal(PostgresErrorCodes.InvalidPassword, refused.SqlState);
    }

    [Theory]
    [InlineData("CREATE TABLE intruder (id int)")]
    [InlineData("CREATE TEMPORARY TABLE intruder (id int)")]
    [InlineData("DROP TABLE original_versions")]
    [InlineData("ALTER TABLE originals ADD COLUMN intruder int")]
    [InlineData("TRUNCATE originals")]
    [InlineData("UPDATE original_versions SET content = ''::bytea")]
    [InlineData("DELETE FROM schema_version")]
    public async Task ApplicationRole_ChangingSchemaOrImmutableRows_IsDenied(string statement)
    {
        await using var connection = await OpenAsync(Postgres.Logins.ConnectionString);
        await using var command = new NpgsqlCommand(statement, connection);

        var denied = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
    }

    [Fact]
    public async Task ApplicationRole_OfAnotherDatabase_CannotConnectToTheOrigins()
    {
        var other = await Postgres.NewDatabaseAsync();
        var intruder = new NpgsqlConnectionStringBuilder(other.ConnectionString) { Database = "origin", Pooling = false };

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(intruder.ConnectionString));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
