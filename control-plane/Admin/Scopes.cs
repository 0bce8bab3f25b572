namespace EdgeImages.ControlPlane.Admin;

/// <summary>What an API key may do. <c>admin</c> includes every other scope.</summary>
internal static class Scopes
{
    public const string Read = "read";
    public const string Purge = "purge";
    public const string Keys = "keys";
    public const string Tenants = "tenants";
    public const string Admin = "admin";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Read, Purge, Keys, Tenants, Admin };

    public static bool Grants(IReadOnlyCollection<string> held, string wanted) => held.Contains(Admin) || held.Contains(wanted);
}
