/*
 * A DC-only decode of progressive JPEGs for EdgeImages' edge, and its JPEG encoder, on the system's libjpeg-turbo
 * (Debian's libjpeg62-turbo, built with SIMD; Skia's bundled copy is not).
 *
 * At 1/8 scale libjpeg's IDCT keeps only each block's DC coefficient, and a progressive file carries its DC
 * coefficients in the first scans: buffered-image mode lets us read those scans, emit the picture and stop,
 * instead of entropy-decoding every refinement scan first (most of the file, and most of the cost).
 *
 * libjpeg reports errors by longjmp. The setjmp and every longjmp stay inside eij_decode_dc: no managed frame
 * is ever between them, and the caller sees a return code. Any error or warning (corrupt data, a file that ends
 * before its DC scans do) returns EIJ_FALLBACK, and the caller decodes the file as it always did.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#define EIJ_OK 0
#define EIJ_FALLBACK 1
#define EIJ_WRONG_SIZE 2

/* A file with more scans than this is hostile or broken (libjpeg-turbo's own TJFLAG_LIMITSCANS uses 500). */
#define EIJ_MAX_SCANS 500

struct eij_error {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
};

static void eij_error_exit(j_common_ptr cinfo) {
  struct eij_error *err = (struct eij_error *)cinfo->err;
  longjmp(err->jump, 1);
}

/* Warnings (corrupt data, premature end) are counted by libjpeg in num_warnings; nothing is printed. */
static void eij_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) {
    cinfo->err->num_warnings++;
  }
}

static void eij_output_message(j_common_ptr cinfo) { (void)cinfo; }

/* True once every component's DC coefficient has its final precision (successive approximation done). */
static int eij_dc_complete(j_decompress_ptr cinfo) {
  for (int c = 0; c < cinfo->num_components; c++) {
    if (cinfo->coef_bits[c][0] != 0) {
      return 0;
    }
  }
  return 1;
}

/*
 * Decodes the progressive JPEG in src at 1/8 scale into out (RGBA, 0xFF alpha, stride bytes a row), from its DC
 * scans only. width and height must be the 1/8-scale size (ceil(w/8), ceil(h/8)); EIJ_WRONG_SIZE otherwise.
 */
int eij_decode_dc(const unsigned char *src, unsigned long length, unsigned char *out, int width, int height, int stride) {
  struct jpeg_decompress_struct cinfo;
  struct eij_error err;
  /* volatile: this frame is where longjmp returns to. */
  volatile int result = EIJ_FALLBACK;

  memset(&cinfo, 0, sizeof(cinfo));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = eij_error_exit;
  err.pub.emit_message = eij_emit_message;
  err.pub.output_message = eij_output_message;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    return EIJ_FALLBACK;
  }

  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, src, length);
  if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK || !jpeg_has_multiple_scans(&cinfo)
      || (cinfo.jpeg_color_space != JCS_YCbCr && cinfo.jpeg_color_space != JCS_GRAYSCALE && cinfo.jpeg_color_space != JCS_RGB)) {
    jpeg_destroy_decompress(&cinfo);
    return EIJ_FALLBACK;
  }

  cinfo.buffered_image = TRUE;
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.out_color_space = JCS_EXT_RGBA;
  cinfo.dct_method = JDCT_ISLOW;
  /* Smoothing estimates missing AC coefficients; at 1/8 they are not used. */
  cinfo.do_block_smoothing = FALSE;
  jpeg_calc_output_dimensions(&cinfo);
  if ((int)cinfo.output_width != width || (int)cinfo.output_height != height) {
    jpeg_destroy_decompress(&cinfo);
    return EIJ_WRONG_SIZE;
  }

  jpeg_start_decompress(&cinfo);
  while (!eij_dc_complete(&cinfo)) {
    int status = jpeg_consume_input(&cinfo);
    if (status == JPEG_SUSPENDED || status == JPEG_REACHED_EOI || cinfo.err->num_warnings > 0 || cinfo.input_scan_number > EIJ_MAX_SCANS) {
      break;
    }
  }

  if (eij_dc_complete(&cinfo) && cinfo.err->num_warnings == 0) {
    jpeg_start_output(&cinfo, cinfo.input_scan_number);
    while (cinfo.output_scanline < cinfo.output_height) {
      JSAMPROW row = out + (size_t)cinfo.output_scanline * (size_t)stride;
      jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_output(&cinfo);
    result = cinfo.err->num_warnings == 0 ? EIJ_OK : EIJ_FALLBACK;
  }

  /* Abort rather than finish: the refinement scans are deliberately left unread. */
  jpeg_abort_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return result;
}

/*
 * The progressive scan scripts. Each scan carries its own optimised Huffman table, and with the same quantised
 * coefficients every script decodes to the same pixels: only the bytes differ. libjpeg's jpeg_simple_progression
 * (what libvips asks for, so sharp's) refines DC by successive approximation too, which on the photo set at w:400
 * never paid (a second three-component scan of raw bits: 0.01-0.06 % larger at every quality tried, 50-95).
 * Below quality 85 the quantised luma AC coefficients are mostly 0 and +-1, so one bit of successive approximation
 * over two bands (1-8, 9-63) and chroma in one scan each beats libjpeg's two bits over 1-5 / 6-63 and refined
 * chroma: 0.4 % smaller on average at q80 (0.7 at q75, 1.3 at q65), and six scans instead of ten, so cheaper to
 * write (1.7-1.8 against 2.3-2.4 ms for 400x300). From 85 up the larger coefficients reward libjpeg's deeper
 * refinement (the one-bit script is 0.0-0.9 % larger at 85-95), so there libjpeg's script stays, less its DC
 * refinement. A file that is smaller at every quality would need a search per picture (mozjpeg's optimize_scans),
 * which costs a whole encode per candidate.
 */
#define EIJ_ONE_BIT_BELOW_QUALITY 85

static const jpeg_scan_info eij_scans_one_bit[] = {
  { 3, { 0, 1, 2 }, 0, 0, 0, 0 }, /* DC, all components, full precision */
  { 1, { 0 }, 1, 8, 0, 1 },       /* luma low AC, less one bit */
  { 1, { 0 }, 9, 63, 0, 1 },      /* luma high AC, less one bit */
  { 1, { 1 }, 1, 63, 0, 0 },      /* Cb AC, whole */
  { 1, { 2 }, 1, 63, 0, 0 },      /* Cr AC, whole */
  { 1, { 0 }, 1, 63, 1, 0 },      /* luma AC, last bit */
};

static const jpeg_scan_info eij_scans_two_bits[] = {
  { 3, { 0, 1, 2 }, 0, 0, 0, 0 }, /* DC, all components, full precision */
  { 1, { 0 }, 1, 5, 0, 2 },
  { 1, { 0 }, 6, 63, 0, 2 },
  { 1, { 1 }, 1, 63, 0, 1 },
  { 1, { 2 }, 1, 63, 0, 1 },
  { 1, { 0 }, 1, 63, 2, 1 },
  { 1, { 0 }, 1, 63, 1, 0 },
  { 1, { 1 }, 1, 63, 1, 0 },
  { 1, { 2 }, 1, 63, 1, 0 },
};

/*
 * Encodes opaque RGBA pixels (width x height, stride bytes a row; the fourth byte ignored) as a JPEG the way sharp
 * and libvips write one by default: quality 1..100 on the standard (Annex K) tables, 4:2:0 chroma, optimised Huffman
 * tables, progressive when progressive is non-zero (ipx asks sharp for progressive JPEGs; the scan script is above),
 * and no JFIF APP0 segment: sharp writes none when it keeps no metadata (its default), and a three-component JPEG
 * without JFIF or Adobe markers is YCbCr to every decoder (libjpeg's rule), so its 18 bytes say nothing.
 * On success *out is a buffer from libjpeg's memory destination (malloc) that the caller frees with
 * eij_free, and *out_length its size.
 */
int eij_encode_jpeg(const unsigned char *rgba, int width, int height, int stride, int quality, int progressive,
                    unsigned char **out, unsigned long *out_length) {
  struct jpeg_compress_struct cinfo;
  struct eij_error err;
  unsigned char *buffer = NULL;
  unsigned long length = 0;

  *out = NULL;
  *out_length = 0;
  if (width <= 0 || height <= 0 || stride < width * 4 || quality < 1 || quality > 100) {
    return EIJ_FALLBACK;
  }

  memset(&cinfo, 0, sizeof(cinfo));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = eij_error_exit;
  err.pub.emit_message = eij_emit_message;
  err.pub.output_message = eij_output_message;
  if (setjmp(err.jump)) {
    /* Not freed: libjpeg's memory destination may have replaced (and freed) the buffer this variable last saw.
       Compressing valid pixels fails only when memory runs out, and then a leaked partial buffer is the lesser harm. */
    jpeg_destroy_compress(&cinfo);
    return EIJ_FALLBACK;
  }

  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buffer, &length);
  cinfo.image_width = (JDIMENSION)width;
  cinfo.image_height = (JDIMENSION)height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_EXT_RGBA;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.write_JFIF_header = FALSE;
  /* jpeg_set_defaults chose YCbCr (three components, as the scripts expect) with 2x2 luma sampling: 4:2:0. */
  if (progressive) {
    if (quality < EIJ_ONE_BIT_BELOW_QUALITY) {
      cinfo.scan_info = eij_scans_one_bit;
      cinfo.num_scans = (int)(sizeof(eij_scans_one_bit) / sizeof(eij_scans_one_bit[0]));
    } else {
      cinfo.scan_info = eij_scans_two_bits;
      cinfo.num_scans = (int)(sizeof(eij_scans_two_bits) / sizeof(eij_scans_two_bits[0]));
    }
  }

  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = (JSAMPROW)(rgba + (size_t)cinfo.next_scanline * (size_t)stride);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  *out = buffer;
  *out_length = length;
  return EIJ_OK;
}

/* Frees a buffer eij_encode_jpeg returned. */
void eij_free(unsigned char *buffer) { free(buffer); }
