using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeImages.Telemetry;

/// <summary>
/// The one shape of <c>/healthz</c> and <c>/readyz</c> in every service, for probes, deploy.ps1 and the control
/// plane: <c>{"status","health","checks":{name:{"status","description"}}}</c>. Not ready is a 503
/// <c>application/problem+json</c> with <c>Retry-After</c>, like every other error of these services. Descriptions
/// are fixed strings written by the checks; exceptions (which may name hosts or hold connection strings) never are.
/// </summary>
internal static class HealthResponse
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var checks = report.Entries.ToDictionary(
            entry => entry.Key,
            entry => new CheckBody(entry.Value.Status.ToString(), entry.Value.Description),
            StringComparer.Ordinal);
        var health = report.Status.ToString();
        if (response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            response.Headers.RetryAfter = ((long)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            response.ContentType = "application/problem+json";
            var problem = new ProblemBody("Not ready", 503, "A dependency this service needs is unavailable.", health, checks);
            return JsonSerializer.SerializeAsync(response.Body, problem, HealthJson.Default.ProblemBody, context.RequestAborted);
        }

        response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(response.Body, new ReportBody(health, health, checks), HealthJson.Default.ReportBody, context.RequestAborted);
    }

    internal sealed record CheckBody(string Status, string? Description);

    internal sealed record ReportBody(string Status, string Health, Dictionary<string, CheckBody> Checks);

    internal sealed record ProblemBody(string Title, int Status, string Detail, string Health, Dictionary<string, CheckBody> Checks);
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthResponse.ReportBody))]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthResponse.ProblemBody))]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
