using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeImages.Hosting.Problems;

public static class ProblemResponseExtensions
{
    /// <summary>Registers the service's part of its problem responses.</summary>
    public static IServiceCollection AddProblemResponses<TServiceProblems>(this IServiceCollection services)
        where TServiceProblems : class, IServiceProblems =>
        services.AddSingleton<IServiceProblems, TServiceProblems>();

    /// <summary>Answers every failure below this point as problem+json (<see cref="ProblemResponseMiddleware"/>).</summary>
    public static IApplicationBuilder UseProblemResponses(this IApplicationBuilder app) =>
        app.UseMiddleware<ProblemResponseMiddleware>();
}
