using System.Security.Cryptography;
using EdgeImages.ControlPlane.Admin;
using EdgeImages.ControlPlane.Etcd;
using EdgeImages.ControlPlane.Http;
using EdgeImages.Etcd.Documents;

namespace EdgeImages.ControlPlane.Keys;

/// <summary>
/// <c>/v1/keys</c>: create (the secret is answered once, then only ever stored sealed), activate, verify-only, retire.
/// A new key starts <c>verify-only</c>: every edge learns it before anything is signed with it, so activating it later
/// never produces URLs that some edge cannot verify yet.
/// </summary>
internal static class SigningKeyEndpoints
{
    public static void MapSigningKeys(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/v1/keys").WithTags("Signing keys");
        keys.MapGet("", ListAsync).WithSummary("Lists signing keys and their states (never their secrets).");
        keys.MapPost("", CreateAsync).WithSummary("Creates a key (verify-only); the secret is in this answer and never again.");
        keys.MapPost("/{kid}/activate", (HttpContext c, AdminAuthenticator a, ChangeWriter w, EtcdStore e, TimeProvider t, string kid) => ActivateAsync(c, a, w, e, t, kid))
            .WithSummary("Makes the key the one that signs; the previously active key becomes verify-only, in the same transaction.");
        keys.MapPost("/{kid}/verify-only", (HttpContext c, AdminAuthenticator a, ChangeWriter w, EtcdStore e, TimeProvider t, string kid) => SetStateAsync(c, a, w, e, t, kid, SigningKeyDocument.VerifyOnly, null))
            .WithSummary("The key verifies but no longer signs.");
        keys.MapPost("/{kid}/retire", (HttpContext c, AdminAuthenticator a, ChangeWriter w, EtcdStore e, TimeProvider t, string kid, RetireRequest? request) =>
                SetStateAsync(c, a, w, e, t, kid, SigningKeyDocument.Retired, request?.AfterSeconds))
            .WithSummary("Retires the key now, or after 'afterSeconds' (the leader's key-expiry job retires it then).");
    }

    private static async Task<IResult> ListAsync(HttpContext context, AdminAuthenticator auth, EtcdStore etcd)
    {
        await auth.RequireAsync(context, Scopes.Read).ConfigureAwait(false);
        var range = await etcd.RangeAsync(etcd.Keys.Keys, context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(range.Kvs.Select(kv => View(DocumentJson.Decode<SigningKeyDocument>(kv.Value))));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, SecretBox box, TimeProvider time, CreateKeyRequest request)
    {
        var actor = await auth.RequireAsync(context, Scopes.Keys).ConfigureAwait(false);
        var kid = request.Kid ?? $"k{time.GetUtcNow():yyMMddHHmmss}";
        if (!Sdk.Signing.SigningKey.IsValidId(kid))
        {
            throw ControlPlaneProblemException.BadRequest("'kid' must be 1 to 16 characters of [a-z0-9-].");
        }

        var secret = RandomNumberGenerator.GetBytes(32);
        var document = new SigningKeyDocument { Kid = kid, State = SigningKeyDocument.VerifyOnly, Secret = box.Seal(kid, secret), CreatedAt = time.GetUtcNow(), VerifyOnlyAt = time.GetUtcNow() };
        var path = writer.Keys.Key(kid);
        // Create-if-absent in one transaction: two operators creating the same kid at once cannot both win.
        if (!await writer.CommitAsync(actor, "key.create", kid, null, [ChangeWriter.Absent(path)], [ChangeWriter.Put(path, DocumentJson.Encode(document))], context.RequestAborted).ConfigureAwait(false))
        {
            throw ControlPlaneProblemException.Conflict($"Key '{kid}' exists already.");
        }

        return Results.Created($"/v1/keys/{kid}", new CreatedKey(kid, document.State, Convert.ToHexStringLower(secret)));
    }

    private static async Task<IResult> ActivateAsync(HttpContext context, AdminAuthenticator auth, ChangeWriter writer, EtcdStore etcd, TimeProvider time, string kid)
    {
        var actor = await auth.RequireAsync(context, Scopes.Keys).ConfigureAwait(false);
        var range = await etcd.RangeAsync(etcd.Keys.Keys, context.RequestAborted).ConfigureAwait(false);
        var all = range.Kvs.Select(kv => (kv, doc: DocumentJson.Decode<SigningKeyDocument>(kv.Value))).ToList();
        var target = all.FirstOrDefault(k => k.doc.Kid == kid);
        if (target.doc is null)
        {
            throw ControlPlaneProblemException.NotFound($"No key '{kid}'.");
        }

        if (target.doc.State == SigningKeyDocument.Retired)
        {
            throw ControlPlaneProblemException.Conflict($"Key '{kid}' is retired; create a new key instead.");
        }

        var now = time.GetUtcNow();
        // Compare-and-swap on every key read: if anyone changed a key since, nothing is written and the caller retries.
        // That keeps the invariant "at most one active key" without a lock.
        var conditions = all.Select(k => ChangeWriter.Unchanged(k.kv.Key.ToStringUtf8(), k.kv.ModRevision)).ToList();
        var operations = new List<Etcdserverpb.RequestOp> { ChangeWriter.Put(etcd.Keys.Key(kid), DocumentJson.Encode(target.doc with { State = SigningKeyDocument.Active, ActivatedAt = now })) };
        foreach (var (kv, doc) in all.Where(k => k.doc.Kid != kid && k.doc.State == SigningKeyDocument.Active))
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
        HttpContext context, AdminAuthenticator auth, ChangeWriter writer, EtcdStore etcd, TimeProvider time, string kid, string state, int? afterSeconds)
    {
        var actor = await auth.RequireAsync(context, Scopes.Keys).ConfigureAwait(false);
        var path = etcd.Keys.Key(kid);
        var kv = await etcd.GetAsync(path, context.RequestAborted).ConfigureAwait(false) ?? throw ControlPlaneProblemException.NotFound($"No key '{kid}'.");
        var doc = DocumentJson.Decode<SigningKeyDocument>(kv.Value);
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

    private static KeyView View(SigningKeyDocument doc) =>
        new(doc.Kid, doc.State, doc.CreatedAt, doc.ActivatedAt, doc.VerifyOnlyAt, doc.RetiredAt, doc.RetireAt);
}

internal sealed record CreateKeyRequest(string? Kid);

internal sealed record RetireRequest(int? AfterSeconds);

internal sealed record CreatedKey(string Kid, string State, string Secret);

internal sealed record KeyView(
    string Kid, string State, DateTimeOffset CreatedAt, DateTimeOffset? ActivatedAt, DateTimeOffset? VerifyOnlyAt, DateTimeOffset? RetiredAt, DateTimeOffset? RetireAt);
