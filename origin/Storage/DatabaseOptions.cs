using Microsoft.Extensions.Options;
using Npgsql;

namespace EdgeImages.Origin.Storage;

/// <summary>The store of record, from configuration section <c>Origin:Database</c>.</summary>
internal sealed class DatabaseOptions
{
    public const string SectionName = "Origin:Database";

    /// <summary><c>Origin:Database:ConnectionString</c>: the primary, required. Every node reads and writes there (read-your-writes).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long opening a connection may take. Small on purpose: a database that does not answer should turn into
    /// a quick 503 that the edge can fall back on, not a request that hangs for Npgsql's default 15 s.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one command may run. Every query here is a key lookup or a single-row write; 5 s is already pathological.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Connections per node. A GET holds one while it streams the bytes, so this bounds concurrent downloads too.</summary>
    public int MaxPoolSize { get; set; } = 100;

    /// <summary>What a 503 tells clients in <c>Retry-After</c>.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The connection string with this section's timeouts and pool size applied over whatever it says.</summary>
    public string EffectiveConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Timeout = (int)ConnectTimeout.TotalSeconds,
            CommandTimeout = (int)CommandTimeout.TotalSeconds,
            MaxPoolSize = MaxPoolSize,
            // A timed-out command is not followed by a cancellation round trip: against a paused server it would
            // hang for as long again. The broken connection is discarded instead.
            CancellationTimeout = -1,
        };
        return builder.ConnectionString;
    }
}

/// <summary>Refuses to start without a usable database configuration, naming every offending key.</summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            errors.Add("Origin:Database:ConnectionString is required (the PostgreSQL primary, e.g. Host=db;Username=origin;Password=...;Database=origin).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException exception)
            {
                errors.Add($"Origin:Database:ConnectionString is not a valid Npgsql connection string: {exception.Message}");
            }
        }

        CheckWholeSeconds(errors, "Origin:Database:ConnectTimeout", options.ConnectTimeout, 1, 60);
        CheckWholeSeconds(errors, "Origin:Database:CommandTimeout", options.CommandTimeout, 1, 300);
        if (options.MaxPoolSize is < 1 or > 1000)
        {
            errors.Add("Origin:Database:MaxPoolSize must be 1 to 1000.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromMinutes(10))
        {
            errors.Add("Origin:Database:RetryAfter must be 1 s to 10 min.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckWholeSeconds(List<string> errors, string key, TimeSpan value, int min, int max)
    {
        // Npgsql counts these timeouts in whole seconds.
        if (value.Ticks % TimeSpan.TicksPerSecond != 0 || value.TotalSeconds < min || value.TotalSeconds > max)
        {
            errors.Add($"{key} must be a whole number of seconds from {min} to {max} (e.g. 00:00:02).");
        }
    }
}
