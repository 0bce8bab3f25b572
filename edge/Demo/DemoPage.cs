using System.Globalization;
using System.Net;
using System.Text;
using EdgeImages.Edge.Security;
using EdgeImages.Sdk.Signing;
using Microsoft.Extensions.Options;

namespace EdgeImages.Edge.Demo;

/// <summary>
/// The page at <c>/</c>: real <c>&lt;img&gt;</c> tags with <c>srcset</c>, signed with the active key, and a
/// gallery of transformations side by side, so a newcomer sees the whole contract working in a browser.
/// </summary>
internal sealed class DemoPage(IOptions<SigningOptions> signing, ISigningKeyProvider keys)
{
    private const string Tenant = "demo";

    private static readonly (string Title, string Path, string[] Options)[] Gallery =
    [
        ("Fit: how a 3:2 photo fills a 240×240 box", "photos/flower.jpg",
            ["w:240,h:240,fit:cover", "w:240,h:240,fit:contain,bg:1e293b", "w:240,h:240,fit:fill", "w:240,h:240,fit:inside", "w:240,h:240,fit:outside"]),
        ("Gravity: where cover keeps a portrait photo cut to a wide box", "photos/rose.jpg",
            ["w:320,h:140,g:center", "w:320,h:140,g:n", "w:320,h:140,g:s", "w:320,h:140,g:smart", "w:320,h:140,g:fp:0.5:0.8"]),
        ("Gravity on a landscape cut to a narrow box", "photos/lake.webp",
            ["w:120,h:240,g:w", "w:120,h:240,g:center", "w:120,h:240,g:e", "w:120,h:240,g:smart", "w:120,h:240,g:fp:0.15:0.5"]),
        ("Crop (source pixels), then resize", "photos/flower.jpg",
            ["crop:0:0:1134:756,w:240", "crop:800:400:600:600,w:240", "crop:1500:200:700:1000,w:160"]),
        ("Rotation and flips, after EXIF auto-orientation (this source is stored sideways, orientation 6)", "photos/rotated-exif-6.jpg",
            ["w:240", "w:240,rot:90", "w:240,rot:180", "w:240,flip:h", "w:240,flip:v", "w:240,rot:270,flip:hv"]),
        ("Blur and sharpen (sigma in output pixels)", "photos/rose.jpg",
            ["w:200", "w:200,blur:2", "w:200,blur:8", "w:200,sharpen:1", "w:200,sharpen:3"]),
        ("Formats and quality", "photos/lake.webp",
            ["w:240,f:jpeg,q:10", "w:240,f:jpeg,q:80", "w:240,f:webp,q:80", "w:240,f:png", "w:240,f:auto"]),
        ("Transparency: kept in PNG and WebP, flattened onto bg for JPEG", "graphics/cutout.png",
            ["w:200,f:png", "w:200,f:webp", "w:200,f:jpeg", "w:200,f:jpeg,bg:fde68a", "w:200,h:120,fit:contain,bg:0ea5e980,f:png"]),
        ("Colour: a Display P3 original converted to sRGB, and the original untouched (-)", "photos/display-p3.jpg",
            ["w:200", "-"]),
        ("Animated GIF: the first frame, as a still image", "graphics/squares.gif",
            ["w:80,f:png", "w:80,f:webp", "w:80,f:jpeg,bg:ffffff"]),
        ("Device pixel ratio: 160 CSS pixels at 1x, 2x and 3x (shown at the same size)", "photos/flower.jpg",
            ["w:160", "w:160,dpr:2", "w:160,dpr:3"]),
    ];

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(Render(), context.RequestAborted).ConfigureAwait(false);
    }

    internal string Render()
    {
        if (signing.Value.ActiveKey is not { } kid || !keys.TryGetKey(kid, out var key))
        {
            return Page("<p>No <code>Signing:ActiveKey</code> is configured, so this edge cannot sign demo URLs. It still verifies URLs signed elsewhere.</p>");
        }

        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"""
            <p>Every image below is a signed URL (<code>/{'{'}kid.mac{'}'}/{'{'}options{'}'}/{'{'}tenant{'}'}/{'{'}path{'}'}</code>) served by this edge,
            signed with key <code>{Encode(kid)}</code>. Open one in a new tab to see its headers.</p>
            <h2>Responsive hero: <code>srcset</code> and <code>sizes</code></h2>
            <img class="hero" src="{Encode(Sign(key, "w:800,h:400", "photos/lake.webp"))}"
                 srcset="{Encode(Srcset(key, "photos/lake.webp", [400, 640, 800, 1200, 1600]))}"
                 sizes="(max-width: 900px) 100vw, 800px" width="800" height="400" alt="A lake, cropped to 2:1 at the width the browser needs">
            """);

        foreach (var (title, path, options) in Gallery)
        {
            body.Append(CultureInfo.InvariantCulture, $"<h2>{Encode(title)}</h2><div class=\"row\">");
            foreach (var option in options)
            {
                var url = Sign(key, option, path);
                body.Append(CultureInfo.InvariantCulture,
                    $"<figure><a href=\"{Encode(url)}\"><img src=\"{Encode(url)}\" alt=\"{Encode(path)} with {Encode(option)}\" loading=\"lazy\"></a><figcaption><code>{Encode(option)}</code></figcaption></figure>");
            }

            body.Append("</div>");
        }

        return Page(body.ToString());
    }

    /// <summary>A 2:1 crop at every width of the ladder, so each candidate is the same picture.</summary>
    private static string Srcset(SigningKey key, string path, int[] widths) =>
        string.Join(", ", widths.Select(width => $"{Sign(key, $"w:{width},h:{width / 2}", path)} {width}w"));

    private static string Sign(SigningKey key, string options, string path)
    {
        var message = $"/{options}/{Tenant}/{path}";
        return $"/{UrlSigner.Sign(key, message)}{message}";
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Page(string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>EdgeImages demo</title>
        <style>
          body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 1400px; padding: 0 1rem; color: #0f172a; }
          h1 { margin-bottom: 0; } h2 { font-size: 1.05rem; margin-top: 2rem; }
          .row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
          figure { margin: 0; max-width: 340px; }
          figcaption { font-size: 12px; padding: 2px 0; }
          /* A checkerboard behind each image shows where it is transparent. */
          img { display: block; max-width: 100%; height: auto; background: repeating-conic-gradient(#e2e8f0 0 25%, #fff 0 50%) 0 0 / 16px 16px; }
          figure img[alt*="dpr"], figure img[alt$="with w:160"] { width: 160px; }
          .hero { width: 100%; max-width: 800px; }
        </style>
        </head>
        <body>
        <h1>EdgeImages</h1>
        {{body}}
        </body>
        </html>
        """;
}
