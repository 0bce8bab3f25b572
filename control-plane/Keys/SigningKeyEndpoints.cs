using System.Security.Cryptography;
using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;
using EdgeImages.Sdk.Signing;

namespace EdgeImages.ControlPlane.Keys;

/// <summary>
/// <c>/v1/keys</c>: create (the secret is answered once, then only ever stored sealed), bind to tenants, activate,
/// verify-only, retire. A new key starts <c>verify-only</c>: every edge learns it before anything is signed with it, so
/// activating it later never produces URLs that some edge cannot verify yet. Every key names the tenants it signs for
/// (<c>["*"]</c>: every tenant, a platform key); an API key limited to tenants sees and manages only keys within them.
/// </summary>
internal static class SigningKeyEndpoints
{
    public static void MapSigningKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Signing keys");
        keys.MapGet("", ListAsync).WithSummary("Lists signing keys, their tenants and states (never their secrets).")
            .RequireAuthorization(AdminPolicies.Read);
        keys.MapPost("", CreateAsync).WithSummary("Creates a key (verify-only) bound to 'tenants'; the secret is in this answer and never again.")
            .RequireAuthorization(AdminPolicies.Keys);
        keys.MapPut("/{kid}/tenants", BindAsync)
            .WithSummary("Binds a key to tenants (['*'] for every tenant): how a key stored before keys were bound becomes usable again.")
            .RequireAuthorization(AdminPolicies.Keys);
        keys.MapPost("/{kid}/activate", (HttpContext c, ChangeWriter w, EtcdStore e, DocumentReader d, TimeProvider t, string kid) => ActivateAsync(c, w, e, d, t, kid))
            .WithSummary("Makes the key one that signs; active keys sharing a tenant with it become verify-only, in the same transaction.")
            .RequireAuthorization(AdminPolicies.Keys);
        keys.MapPost("/{kid}/verify-only", (HttpContext c, ChangeWriter w, EtcdStore e, DocumentReader d, TimeProvider t, string kid) => SetStateAsync(c, w, e, d, t, kid, SigningKeyDocument.VerifyOnly, null))
            .WithSummary("The key verifies but no longer signs.")
            .RequireAuthorization(AdminPolicies.Keys);
        keys.MapPost("/{kid}/retire", (HttpContext c, ChangeWriter w, EtcdStore e, DocumentReader d, TimeProvider t, string kid, RetireRequest? request) =>
                SetStateAsync(c, w, e, d, t, kid, SigningKeyDocument.Retired, request?.AfterSeconds))
            .WithSummary("Retires the key now, or after 'afterSeconds' (the leader's key-expiry job retires it then).")
            .RequireAuthorization(AdminPolicies.Keys);
    }

    private static async Task<IResult> ListAsync(HttpContext context, EtcdStore etcd, DocumentReader documents)
    {
        var caller = AdminCaller.From(context.User);
        var range = await etcd.RangeAsync(etcd.Keys.Keys, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(documents.ReadAll<SigningKeyDocument>(range.Kvs).Where(doc => Manages(caller, doc)).Select(View));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ChangeWriter writer, SecretBox box, TimeProvider time, CreateKeyRequest request)
    {
        var caller = AdminCaller.From(context.User);
        var kid = request.Kid ?? $"k{time.GetUtcNow():yyMMddHHmmss}";
        if (!SigningKey.IsValidId(kid))
        {
            throw ControlPlaneProblemException.BadRequest("'kid' must be 1 to 16 characters of [a-z0-9-].");
        }

        var tenants = Binding(caller, request.Tenants);
        var secret = RandomNumberGenerator.GetBytes(32);
        var document = new SigningKeyDocument
        {
            Kid = kid,
            State = SigningKeyDocument.VerifyOnly,
            Secret = box.Seal(kid, secret),
            Tenants = tenants.ToList(),
            CreatedAt = time.GetUtcNow(),
            VerifyOnlyAt = time.GetUtcNow(),
        };
        var path = writer.Keys.Key(kid);
        // Create-if-absent in one transaction: two operators creating the same kid at once cannot both win.
        if (!await writer.CommitAsync(caller.Actor, "key.create", kid, $"tenants {tenants}", [ChangeWriter.Absent(path)], [ChangeWriter.Put(path, DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict($"Key '{kid}' exists already.");
        }

        return Results.Created($"/v1/keys/{kid}", new CreatedKey(kid, document.State, document.Tenants, Convert.ToHexStringLower(secret)));
    }

    private static async Task<IResult> BindAsync(HttpContext context, ChangeWriter writer, EtcdStore etcd, DocumentReader documents, string kid, BindRequest request)
    {
        var caller = AdminCaller.From(context.User);
        var tenants = Binding(caller, request.Tenants);
        var path = etcd.Keys.Key(kid);
        var kv = await etcd.GetAsync(path, context.RequestAborted).ConfigureAwait(false) ?? throw ControlPlaneProblemException.NotFound($"No key '{kid}'.");
        var doc = documents.Read<SigningKeyDocument>(kv);
        RequireManages(caller, doc);
        var updated = doc with { Tenants = tenants.ToList() };
        if (!await writer.CommitAsync(caller.Actor, "key.bind", kid, $"tenants {string.Join(',', doc.Tenants ?? ["(none)"])} -> {tenants}",
                [ChangeWriter.Unchanged(path, kv.ModRevision)], [ChangeWriter.Put(path, DocumentJson.Encode(updated))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("The key changed meanwhile; try again.");
        }

        return Results.Ok(View(updated));
    }

    private static async Task<IResult> ActivateAsync(HttpContext context, ChangeWriter writer, EtcdStore etcd, DocumentReader documents, TimeProvider time, string kid)
    {
        var caller = AdminCaller.From(context.User);
        var actor = caller.Actor;
        var range = await etcd.RangeAsync(etcd.Keys.Keys, context.RequestAborted).ConfigureAwait(false);
        // A key document that does not read is left out: edges refuse it too, so it signs nothing that needs demoting.
        var all = documents.ReadAllWithValues<SigningKeyDocument>(range.Kvs).Select(read => (read.Kv, doc: read.Document)).ToList();
        var target = all.FirstOrDefault(k => k.doc.Kid == kid);
        if (target.doc is null)
        {
            var path = etcd.Keys.Key(kid);
            throw range.Kvs.Any(kv => kv.Key.ToStringUtf8() == path)
                ? DocumentReader.Unreadable<SigningKeyDocument>(path)
                : ControlPlaneProblemException.NotFound($"No key '{kid}'.");
        }

        RequireManages(caller, target.doc);
        if (!KeyTenants.TryCreate(target.doc.Tenants, out var targetTenants, out _))
        {
            throw ControlPlaneProblemException.Conflict($"Key '{kid}' is bound to no tenant; bind it first (PUT /v1/keys/{kid}/tenants).");
        }

        if (target.doc.State == SigningKeyDocument.Retired)
        {
            throw ControlPlaneProblemException.Conflict($"Key '{kid}' is retired; create a new key instead.");
        }

        var now = time.GetUtcNow();
        // Compare-and-swap on every key read: if anyone changed a key since, nothing is written and the caller retries.
        // That keeps the invariant "at most one active key per tenant" without a lock. Only keys sharing a tenant with
        // this one are demoted: activating acme's key never touches globex's (an unbound legacy key counts as shared).
        var conditions = all.Select(k => ChangeWriter.Unchanged(k.Kv.Key.ToStringUtf8(), k.Kv.ModRevision)).ToList();
        var operations = new List<Etcdserverpb.RequestOp> { ChangeWriter.Put(etcd.Keys.Key(kid), DocumentJson.Encode(target.doc with { State = SigningKeyDocument.Active, ActivatedAt = now })) };
        foreach (var (kv, doc) in all.Where(k => k.doc.Kid != kid && k.doc.State == SigningKeyDocument.Active
                     && (!KeyTenants.TryCreate(k.doc.Tenants, out var other, out _) || other.Overlaps(targetTenants))))
        {
            operations.Add(ChangeWriter.Put(kv.Key.ToStringUtf8(), DocumentJson.Encode(doc with { State = SigningKeyDocument.VerifyOnly, VerifyOnlyAt = now })));
        }

        if (!await writer.CommitAsync(actor, "key.activate", kid, null, conditions, operations, context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("The keys changed while activating; try again.");
        }

        return Results.Ok(View(target.doc with { State = SigningKeyDocument.Active, ActivatedAt = now }));
    }

    private static async Task<IResult> SetStateAsync(
        HttpContext context, ChangeWriter writer, EtcdStore etcd, DocumentReader documents, TimeProvider time, string kid, string state, int? afterSeconds)
    {
        var caller = AdminCaller.From(context.User);
        var actor = caller.Actor;
        var path = etcd.Keys.Key(kid);
        var kv = await etcd.GetAsync(path, context.RequestAborted).ConfigureAwait(false) ?? throw ControlPlaneProblemException.NotFound($"No key '{kid}'.");
        var doc = documents.Read<SigningKeyDocument>(kv);
        RequireManages(caller, doc);
        var now = time.GetUtcNow();
        SigningKeyDocument updated;
        if (state == SigningKeyDocument.Retired && afterSeconds is > 0)
        {
            updated = doc with { RetireAt = now.AddSeconds(afterSeconds.Value) };
        }
        else if (state == SigningKeyDocument.Retired)
        {
            updated = doc with { State = SigningKeyDocument.Retired, RetiredAt = now, RetireAt = null };
        }
        else
        {
            if (doc.State == SigningKeyDocument.Retired)
            {
                throw ControlPlaneProblemException.Conflict($"Key '{kid}' is retired; create a new key instead.");
            }

            updated = doc with { State = SigningKeyDocument.VerifyOnly, VerifyOnlyAt = now };
        }

        if (!await writer.CommitAsync(actor, $"key.{state}", kid, afterSeconds is > 0 ? $"after {afterSeconds} s" : null,
                [ChangeWriter.Unchanged(path, kv.ModRevision)], [ChangeWriter.Put(path, DocumentJson.Encode(updated))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict("The key changed meanwhile; try again.");
        }

        return Results.Ok(View(updated));
    }

    /// <summary>The binding a request asks for, refused (400) when missing or malformed and (403) beyond the caller's tenants.</summary>
    private static KeyTenants Binding(AdminCaller caller, IReadOnlyList<string>? requested)
    {
        if (!KeyTenants.TryCreate(requested, out var tenants, out var error))
        {
            throw ControlPlaneProblemException.BadRequest($"'tenants': {error}.");
        }

        if (!tenants.IsWithin(caller.Tenants))
        {
            throw ControlPlaneProblemException.Forbidden(tenants.IsPlatform
                ? "Only a platform API key may create or bind a platform signing key ('*')."
                : $"This API key is not valid for every tenant of {tenants}.");
        }

        return tenants;
    }

    /// <summary>A key limited to tenants manages only signing keys bound within them; an unbound key is the platform's.</summary>
    private static bool Manages(AdminCaller caller, SigningKeyDocument doc) =>
        caller.IsPlatform || (KeyTenants.TryCreate(doc.Tenants, out var tenants, out _) && tenants.IsWithin(caller.Tenants));

    private static void RequireManages(AdminCaller caller, SigningKeyDocument doc)
    {
        if (!Manages(caller, doc))
        {
            throw ControlPlaneProblemException.Forbidden($"This API key is not valid for the tenants of key '{doc.Kid}'.");
        }
    }

    private static KeyView View(SigningKeyDocument doc) =>
        new(doc.Kid, doc.State, doc.Tenants, doc.CreatedAt, doc.ActivatedAt, doc.VerifyOnlyAt, doc.RetiredAt, doc.RetireAt);
}

/// <param name="Tenants">The tenants the key signs for, or ["*"] for every tenant; required.</param>
internal sealed record CreateKeyRequest(string? Kid, IReadOnlyList<string>? Tenants);

internal sealed record BindRequest(IReadOnlyList<string>? Tenants);

internal sealed record RetireRequest(int? AfterSeconds);

internal sealed record CreatedKey(string Kid, string State, IReadOnlyList<string>? Tenants, string Secret);

/// <param name="Tenants">Null for a key stored before keys were bound: edges refuse it until it is bound.</param>
internal sealed record KeyView(
    string Kid, string State, IReadOnlyList<string>? Tenants, DateTimeOffset CreatedAt, DateTimeOffset? ActivatedAt, DateTimeOffset? VerifyOnlyAt,
    DateTimeOffset? RetiredAt, DateTimeOffset? RetireAt);
