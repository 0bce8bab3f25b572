using System.ComponentModel.DataAnnotations;
using EdgeImages.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>The store of record, from configuration section <c>Origin:Database</c>.</summary>
internal sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Origin:Database";

    /// <summary>
    /// <c>Origin:Database:ConnectionString</c>, required: the application role (DML on the origin's tables, nothing
    /// else) and every member of the cluster as Npgsql multi-host (<c>Host=a:5432,b:5432</c>). Writes and unversioned
    /// reads go to whichever host is the primary (read-your-writes); pinned reads may use a standby. Any
    /// <c>Target Session Attributes</c> given here is ignored: the origin chooses it per query.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Origin:Database:ConnectionString is required (the PostgreSQL cluster, e.g. Host=db1,db2;Username=origin_app;Password=...;Database=origin).")]
    public string? ConnectionString { get; set; }

    /// <summary>
    /// <c>Origin:Database:MigrationConnectionString</c>: the schema owner, used only to migrate at start-up and to grant
    /// the application role its privileges; unset, the application role migrates (a development database with one
    /// all-powerful user).
    /// </summary>
    public string? MigrationConnectionString { get; set; }

    /// <summary>
    /// How long a host's role (primary, standby, down) is believed before Npgsql asks again. Short, because after a
    /// failover a host remembered as "standby" is skipped for writes until then: this bounds how long writes wait
    /// for a promoted standby beyond Patroni's own failover.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Origin:Database:HostRecheck must be between {1} and {2}.")]
    public TimeSpan HostRecheck { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long opening a connection may take. Small on purpose: a database that does not answer should turn into
    /// a quick 503 that the edge can fall back on, not a request that hangs for Npgsql's default 15 s.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Origin:Database:ConnectTimeout must be between {1} and {2}.")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one command may run. Every query here is a key lookup or a single-row write; 5 s is already pathological.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Origin:Database:CommandTimeout must be between {1} and {2}.")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections per node. A GET holds one while it streams the bytes, so this bounds concurrent downloads too.</summary>
    [SettingRange(1, 1000, ErrorMessage = "Origin:Database:MaxPoolSize must be between {1} and {2}.")]
    public int MaxPoolSize { get; set; } = 100;

    /// <summary>What a 503 tells clients in <c>Retry-After</c>.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Origin:Database:RetryAfter must be between {1} and {2}.")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The connection string with this section's timeouts and pool size applied over whatever it says.</summary>
    public string EffectiveConnectionString() => Effective(ConnectionString);

    /// <summary>The migration connection string, with the same settings applied; the application's when none is configured.</summary>
    public string EffectiveMigrationConnectionString() => Effective(string.IsNullOrWhiteSpace(MigrationConnectionString) ? ConnectionString : MigrationConnectionString);

    /// <summary>The application role's name, to which the migration grants its privileges.</summary>
    public string? ApplicationRole => new NpgsqlConnectionStringBuilder(ConnectionString).Username;

    /// <summary>The rules that are no plain range: the connection strings' syntax, and Npgsql's whole seconds.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString) && ConnectionStringProblem(ConnectionString) is { } problem)
        {
            yield return new ValidationResult($"Origin:Database:ConnectionString is not a valid Npgsql connection string: {problem}", [nameof(ConnectionString)]);
        }

        if (!string.IsNullOrWhiteSpace(MigrationConnectionString) && ConnectionStringProblem(MigrationConnectionString) is { } migrationProblem)
        {
            yield return new ValidationResult($"Origin:Database:MigrationConnectionString is not a valid Npgsql connection string: {migrationProblem}", [nameof(MigrationConnectionString)]);
        }

        // Npgsql counts these in whole seconds: a fraction would be cut off without a word.
        foreach (var (key, value) in new[] { ("HostRecheck", HostRecheck), ("ConnectTimeout", ConnectTimeout), ("CommandTimeout", CommandTimeout) })
        {
            if (value.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                yield return new ValidationResult($"Origin:Database:{key} must be a whole number of seconds (e.g. 00:00:02).", [key]);
            }
        }
    }

    private static string? ConnectionStringProblem(string connectionString)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException exception)
        {
            return exception.Message;
        }
    }

    private string Effective(string? connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timeout = (int)ConnectTimeout.TotalSeconds,
            CommandTimeout = (int)CommandTimeout.TotalSeconds,
            MaxPoolSize = MaxPoolSize,
            // A timed-out command is not followed by a cancellation round trip: against a paused server it would
            // hang for as long again. The broken connection is discarded instead.
            CancellationTimeout = -1,
            HostRecheckSeconds = (int)HostRecheck.TotalSeconds,
            // The origin asks for a primary or a standby per query (OriginDatabase); a fixed one here would override that.
            TargetSessionAttributes = null,
        };
        return builder.ConnectionString;
    }
}

/// <summary>Refuses to start without a usable database configuration, naming every offending key (source-generated).</summary>
[OptionsValidator]
internal sealed partial class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>;
