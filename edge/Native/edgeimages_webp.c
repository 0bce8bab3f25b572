/*
 * EdgeImages' lossy WebP encoder on the system's libwebp (Debian's libwebp7, with its SSE2/SSE4.1 code paths).
 *
 * SkiaSharp's bundled libwebp runs at method 3 and, measured here, takes several times longer for the same picture;
 * sharp (libvips) writes lossy WebP with libwebp's default configuration at method (effort) 4. This is that
 * configuration, with the method left to the caller. libwebp reports every error as a return value: no longjmp.
 */
#include <stddef.h>
#include <string.h>
#include <webp/encode.h>

#define EIW_OK 0
#define EIW_FALLBACK 1

/*
 * Encodes unpremultiplied RGBA pixels (width x height, stride bytes a row) as lossy WebP at quality 0..100 and
 * method 0..6 with libwebp's defaults otherwise (alpha at quality 100, no sharp YUV, one thread). An alpha plane is
 * written only when some pixel is not opaque (libwebp checks). On success *out is a buffer the caller frees with
 * eiw_free, and *out_length its size.
 */
int eiw_encode_webp(const unsigned char *rgba, int width, int height, int stride, int quality, int method,
                    unsigned char **out, size_t *out_length) {
  WebPConfig config;
  WebPPicture picture;
  WebPMemoryWriter writer;
  int ok;

  *out = NULL;
  *out_length = 0;
  if (rgba == NULL || width <= 0 || height <= 0 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION
      || stride < width * 4 || quality < 0 || quality > 100 || method < 0 || method > 6) {
    return EIW_FALLBACK;
  }

  if (!WebPConfigInit(&config)) {
    return EIW_FALLBACK;
  }
  config.quality = (float)quality;
  config.method = method;
  if (!WebPValidateConfig(&config) || !WebPPictureInit(&picture)) {
    return EIW_FALLBACK;
  }

  picture.width = width;
  picture.height = height;
  /* Lossy: libwebp converts RGBA straight to YUV 4:2:0 (and an alpha plane) on import. */
  picture.use_argb = 0;
  if (!WebPPictureImportRGBA(&picture, rgba, stride)) {
    WebPPictureFree(&picture);
    return EIW_FALLBACK;
  }

  WebPMemoryWriterInit(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  ok = WebPEncode(&config, &picture);
  WebPPictureFree(&picture);
  if (!ok) {
    WebPMemoryWriterClear(&writer);
    return EIW_FALLBACK;
  }

  *out = writer.mem;
  *out_length = writer.size;
  return EIW_OK;
}

/* Frees a buffer eiw_encode_webp returned. */
void eiw_free(unsigned char *buffer) { WebPFree(buffer); }
