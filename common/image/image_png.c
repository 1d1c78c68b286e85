/*
 * image_png.c - PNG decoder and encoder on libpng 1.6.
 *
 * NAME
 *	img_png_codec - the PNG entry of the codec table (image_impl.h)
 * SUMMARY
 *	Reading normalises every colour type and bit depth libpng reads to
 *	the 8-bit layout of image.h:
 *	  palette          -> RGB, or RGBA when a tRNS chunk is present
 *	  gray 1/2/4 bits  -> 8 bits (0..2^d-1 spread over 0..255)
 *	  gray/RGB + tRNS  -> gray+alpha / RGBA (alpha 0 where the key matches)
 *	  16-bit samples   -> 8 bits with png_set_scale_16, which rounds
 *	                      (v*255 + 32767) / 65535, rather than
 *	                      png_set_strip_16, which truncates to the high byte.
 *	With keep16, 16-bit gray, gray+alpha, RGB and RGBA (and their tRNS,
 *	which becomes a 16-bit alpha) stay 16-bit instead, swapped by libpng
 *	from PNG's big-endian to host order (info.depth 16); palette and
 *	lower depths still give 8 bits, since they hold no more than that.
 *	gAMA, sRGB, cHRM and sBIT are ignored: samples are passed on as
 *	stored, without colour management.
 *
 *	Metadata (struct img_meta) is what png_read_info() has seen, that is
 *	the chunks before the first IDAT, where writers put them: the iCCP
 *	profile (which libpng checks, dropping one it finds broken), the
 *	eXIf block, the XMP packet of the iTXt chunk "XML:com.adobe.xmp",
 *	and pHYs when its unit is the metre (pixels per metre * 0.0254 is
 *	pixels per inch; a pHYs without unit gives only an aspect ratio and
 *	counts as no resolution).  Chunks after the image data are read past
 *	and not kept.  info.metadata names what the file holds: "ICC
 *	profile, Exif, XMP, resolution", and "text" for other text chunks.
 *
 *	Non-interlaced images are streamed: each img_read_rows() call decodes
 *	just the rows asked for.  Adam7-interlaced images cannot be streamed,
 *	since the last pass touches every row: the first read decodes the
 *	whole image into an internal buffer (width * height * channels bytes
 *	plus one pointer per row) and later reads copy rows out of it.
 *
 *	The EXIF orientation comes from an eXIf chunk placed before the first
 *	IDAT, where writers put it; one after the image data is read past
 *	but ignored, since the orientation must be known when img_open
 *	returns, before any row is decoded.  A malformed one gives
 *	orientation 1 and "malformed Exif" in info.metadata, and is not kept
 *	in the reader's metadata.
 *
 *	Writing produces 8-bit (16-bit for depth 16, stored big-endian by
 *	libpng's swap), non-interlaced PNG with colour type gray,
 *	gray+alpha, RGB or RGBA for 1-4 channels, using the zlib level and
 *	filter of img_write_opts.  Nothing time-dependent (tIME) is
 *	written, so equal pixels and options give equal bytes.  The blocks of
 *	img_write_opts.meta go before IDAT: iCCP (named "icc", compressed as
 *	PNG requires), eXIf, XMP as an uncompressed iTXt, and pHYs in pixels
 *	per metre, round(ppi / 0.0254).  libpng checks an ICC profile before
 *	writing it; one it refuses (a broken header, a colour space that is
 *	not the image's) is one error naming the profile, never a file
 *	written without it.
 *
 *	With img_write_opts.png_threads N > 0, libpng writes the signature,
 *	IHDR and the chunks above, and png_parallel.c the image data, in
 *	bands deflated on N threads: the bytes differ from libpng's own
 *	(one zlib stream) but are the same for every N.
 * DESCRIPTION
 *	libpng reports errors through on_error(), which formats the message
 *	into the caller's err and longjmps back to the setjmp() in the entry
 *	point that called libpng; warnings (and benign errors, which libpng
 *	1.6 downgrades to warnings when reading) are dropped.  I/O goes
 *	through on_read()/on_write() so that a short read is reported as
 *	"unexpected end of file" and a failed write with strerror(errno).
 *
 *	The pixel limit is checked right after png_read_info(), before any
 *	row buffer exists.  libpng's own width and height limits (1,000,000
 *	by default) are raised to the PNG maximum of 2^31-1 so that the
 *	caller's max_pixels is the one limit, with one clear message; the
 *	chunk size limits stay at libpng's defaults.
 *
 *	After the last row the rest of the file is read through IEND
 *	(png_read_end), so a file cut anywhere, even just before IEND, is an
 *	error.
 * DIAGNOSTICS
 *	"NAME: png: MESSAGE", MESSAGE being libpng's text or ours.
 */
#include "image_impl.h"
#include "err.h"
#include "png_parallel.h"

#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What the libpng callbacks need: error and I/O context. */
struct png_ctx {
    const char *name;
    char *err;              /* the err of the current entry point */
    FILE *f;
};

struct pngr {
    struct png_ctx ctx;
    png_structp png;
    png_infop info;
    size_t stride;          /* bytes per output row */
    int keep16;             /* caller's img_open_opts.keep16 */
    uint32_t height, next;
    int interlaced;
    uint8_t *whole;         /* interlaced only: the decoded image */
    png_bytep *rows;        /* interlaced only: row pointers into whole */
};

struct pngw {
    struct png_ctx ctx;
    png_structp png;
    png_infop info;
    size_t stride;
    char *xmp_text;         /* the XMP packet with its NUL, for png_set_text */
    pngp *par;              /* png_threads > 0: the image data's encoder */
};

/* on_error - libpng error callback: fills err and longjmps; never returns. */
static void on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);

    errf(c->err, "%s: png: %s", c->name, msg);
    png_longjmp(png, 1);
}

/* on_warning - libpng warning callback: drops the warning; returns nothing. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* on_read - libpng read callback: fills data or longjmps; returns nothing. */
static void on_read(png_structp png, png_bytep data, size_t len)
{
    struct png_ctx *c = png_get_io_ptr(png);

    if (fread(data, 1, len, c->f) == len)
        return;
    if (ferror(c->f)) {
        errf_sys(c->err, "%s: png: read", c->name);
        png_longjmp(png, 1);
    }
    png_error(png, "unexpected end of file");
}

/* on_write - libpng write callback: writes data or longjmps; returns nothing. */
static void on_write(png_structp png, png_bytep data, size_t len)
{
    struct png_ctx *c = png_get_io_ptr(png);

    if (fwrite(data, 1, len, c->f) != len) {
        errf_sys(c->err, "%s: png: write", c->name);
        png_longjmp(png, 1);
    }
}

/* on_flush - libpng flush callback: the caller flushes; returns nothing. */
static void on_flush(png_structp png)
{
    (void)png;
}

/* describe - writes the file's colour type into out; returns nothing. */
static void describe(char out[32], int type, int trns)
{
    const char *s;

    switch (type) {
    case PNG_COLOR_TYPE_GRAY: s = "gray"; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: s = "gray+alpha"; break;
    case PNG_COLOR_TYPE_RGB: s = "rgb"; break;
    case PNG_COLOR_TYPE_RGB_ALPHA: s = "rgba"; break;
    case PNG_COLOR_TYPE_PALETTE: s = "palette"; break;
    default: s = "unknown"; break;
    }
    snprintf(out, 32, "%s%s", s, trns ? "+tRNS" : "");
}

/* host_le - returns 1 on a little-endian host (every supported one). */
static int host_le(void)
{
    const uint16_t one = 1;

    return *(const uint8_t *)&one == 1;
}

/* read_exif - sets info->orientation from an eXIf chunk read so far and
 * keeps a well-formed one in meta; returns 1 if it is there, -1 if
 * malformed, 0 if none, -2 (err filled) when it cannot be kept. */
static int read_exif(struct pngr *st, struct img_info *info, struct img_meta *meta, char *err)
{
    png_uint_32 len = 0;
    png_bytep data = NULL;
    int o;

    if (!png_get_valid(st->png, st->info, PNG_INFO_eXIf)
        || png_get_eXIf_1(st->png, st->info, &len, &data) == 0 || data == NULL)
        return 0;
    o = img_exif_orientation(data, len, 1);
    info->orientation = o > 0 ? o : 1;
    if (o < 0)
        return -1;
    return img_meta_set(&meta->exif, &meta->exif_len, data, len, st->ctx.name,
                        "png: Exif block", err) < 0 ? -2 : 1;
}

/* read_xmp - keeps the XMP packet of the iTXt chunk "XML:com.adobe.xmp"
 * in meta; returns 1 if there is one, 0 if not, -1 with err; *other
 * counts the other text chunks. */
static int read_xmp(struct pngr *st, struct img_meta *meta, int *other, char *err)
{
    png_textp text;
    int n = 0, found = 0;

    png_get_text(st->png, st->info, &text, &n);
    *other = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(text[i].key, "XML:com.adobe.xmp") != 0 || found) {
            ++*other;
            continue;
        }
        found = 1;
        if (img_meta_set(&meta->xmp, &meta->xmp_len, text[i].text,
                         text[i].text ? strlen(text[i].text) : 0, st->ctx.name,
                         "png: XMP packet", err) < 0)
            return -1;
    }
    return found;
}

/* read_meta - fills meta, info->metadata and info->orientation from the
 * chunks before IDAT; returns 0 or -1 (a block over IMG_META_MAX). */
static int read_meta(struct pngr *st, struct img_info *info, struct img_meta *meta, char *err)
{
    png_charp name;
    png_bytep icc;
    png_uint_32 icc_len, xppm, yppm;
    int kind, unit, other, exif, xmp;

    if (png_get_iCCP(st->png, st->info, &name, &kind, &icc, &icc_len) == PNG_INFO_iCCP
        && img_meta_set(&meta->icc, &meta->icc_len, icc, icc_len, st->ctx.name,
                        "png: ICC profile", err) < 0)
        return -1;
    if ((exif = read_exif(st, info, meta, err)) == -2 || (xmp = read_xmp(st, meta, &other,
                                                                          err)) < 0)
        return -1;
    if (png_get_pHYs(st->png, st->info, &xppm, &yppm, &unit) == PNG_INFO_pHYs
        && unit == PNG_RESOLUTION_METER && xppm > 0 && yppm > 0) {
        meta->xres = xppm * 0.0254;
        meta->yres = yppm * 0.0254;
    }
    snprintf(info->metadata, sizeof info->metadata, "%s%s%s%s%s",
             meta->icc ? "ICC profile, " : "",
             exif > 0 ? "Exif, " : exif < 0 ? "malformed Exif, " : "",
             xmp ? "XMP, " : "", meta->xres > 0 ? "resolution, " : "",
             other > 0 ? "text, " : "");
    if (info->metadata[0])
        info->metadata[strlen(info->metadata) - 2] = '\0';
    return 0;
}

/* set_transforms - asks libpng for the layout of image.h and fills info;
 * returns 0, or -1 if libpng's result is not that layout.  May longjmp. */
static int set_transforms(struct pngr *st, struct img_info *info, char *err)
{
    png_structp png = st->png;
    png_infop pi = st->info;
    int type = png_get_color_type(png, pi);
    int depth = png_get_bit_depth(png, pi);
    int trns = png_get_valid(png, pi, PNG_INFO_tRNS) != 0;

    describe(info->src_color, type, trns);
    info->src_depth = depth;
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    if (trns)
        png_set_tRNS_to_alpha(png);
    info->depth = depth == 16 && st->keep16 && type != PNG_COLOR_TYPE_PALETTE ? 16 : 8;
    if (depth == 16 && info->depth == 8)
        png_set_scale_16(png);
    if (info->depth == 16 && host_le())
        png_set_swap(png);
    st->interlaced = png_get_interlace_type(png, pi) != PNG_INTERLACE_NONE;
    if (st->interlaced)
        png_set_interlace_handling(png);
    png_read_update_info(png, pi);

    info->width = png_get_image_width(png, pi);
    info->height = png_get_image_height(png, pi);
    info->channels = png_get_channels(png, pi);
    info->interlaced = st->interlaced;
    st->height = info->height;
    st->stride = (size_t)info->width * (size_t)info->channels * (size_t)(info->depth / 8);
    if (png_get_bit_depth(png, pi) != info->depth || info->channels < 1 || info->channels > 4
        || png_get_rowbytes(png, pi) != st->stride)
        return errf(err, "%s: png: unexpected layout after conversion", st->ctx.name);
    return 0;
}

/* pngr_close - frees a PNG reader; returns nothing. */
static void pngr_close(void *p)
{
    struct pngr *st = p;

    if (st == NULL)
        return;
    png_destroy_read_struct(&st->png, &st->info, NULL);
    free(st->rows);
    free(st->whole);
    free(st);
}

/* read_header - reads the header and sets up decoding; returns 0 or -1. */
static int read_header(struct pngr *st, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    if (setjmp(png_jmpbuf(st->png)))
        return -1;
    png_set_read_fn(st->png, &st->ctx, on_read);
    png_set_user_limits(st->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_read_info(st->png, st->info);
    if (img_check_pixels(st->ctx.name, png_get_image_width(st->png, st->info),
                         png_get_image_height(st->png, st->info),
                         o->max_pixels, err) < 0)
        return -1;
    st->keep16 = o->keep16;
    if (read_meta(st, info, meta, err) < 0)
        return -1;
    return set_transforms(st, info, err);
}

/* pngr_open - returns a PNG reader with *info filled, or NULL. */
static void *pngr_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    struct pngr *st = calloc(1, sizeof *st);

    if (st == NULL) {
        errf(err, "%s: png: out of memory", name);
        return NULL;
    }
    st->ctx.name = name;
    st->ctx.err = err;
    st->ctx.f = f;
    st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st->ctx,
                                     on_error, on_warning);
    if (st->png == NULL || (st->info = png_create_info_struct(st->png)) == NULL) {
        errf(err, "%s: png: cannot create decoder", name);
        goto fail;
    }
    if (read_header(st, o, info, meta, err) < 0)
        goto fail;
    return st;

fail:
    pngr_close(st);
    return NULL;
}

/* load_whole - decodes an interlaced image into st->whole; returns 0 or
 * -1 (out of memory).  Decoding errors longjmp. */
static int load_whole(struct pngr *st, char *err)
{
    if (st->height > SIZE_MAX / st->stride)
        return errf(err, "%s: png: interlaced image too large to buffer",
                    st->ctx.name);
    st->whole = malloc((size_t)st->height * st->stride);
    st->rows = malloc((size_t)st->height * sizeof *st->rows);
    if (st->whole == NULL || st->rows == NULL)
        return errf(err, "%s: png: out of memory buffering an interlaced image"
                    " (%zu bytes)", st->ctx.name, (size_t)st->height * st->stride);
    for (uint32_t y = 0; y < st->height; y++)
        st->rows[y] = st->whole + (size_t)y * st->stride;
    png_read_image(st->png, st->rows);
    png_read_end(st->png, NULL);
    return 0;
}

/* read_band - decodes nrows rows into buf; returns 0 or -1.  May longjmp. */
static int read_band(struct pngr *st, uint8_t *buf, uint32_t nrows, char *err)
{
    if (st->interlaced && st->whole == NULL && load_whole(st, err) < 0)
        return -1;
    for (uint32_t i = 0; i < nrows; i++, st->next++) {
        uint8_t *row = buf + (size_t)i * st->stride;

        if (st->interlaced)
            memcpy(row, st->rows[st->next], st->stride);
        else
            png_read_row(st->png, row, NULL);
    }
    if (!st->interlaced && st->next == st->height)
        png_read_end(st->png, NULL);
    return 0;
}

/* pngr_read - returns 0 after decoding the next nrows rows, or -1. */
static int pngr_read(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct pngr *st = p;

    st->ctx.err = err;
    if (setjmp(png_jmpbuf(st->png)))
        return -1;
    return read_band(st, buf, nrows, err);
}

/* pngw_abandon - frees a PNG writer; returns nothing. */
static void pngw_abandon(void *p)
{
    struct pngw *st = p;

    if (st == NULL)
        return;
    pngp_abandon(st->par);
    png_destroy_write_struct(&st->png, &st->info);
    free(st->xmp_text);
    free(st);
}

/* write_icc - sets the iCCP chunk; returns 0, or -1 with err when
 * libpng refuses the profile.  libpng's checks of a profile are "app
 * errors"; made warnings here (dropped), the refusal is seen as a chunk
 * that was not set, and said once in our words. */
static int write_icc(struct pngw *st, const struct img_meta *m)
{
    png_set_option(st->png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
    png_set_benign_errors(st->png, 1);
    png_set_iCCP(st->png, st->info, "icc", PNG_COMPRESSION_TYPE_BASE, m->icc, m->icc_len);
    if (!png_get_valid(st->png, st->info, PNG_INFO_iCCP))
        return errf(st->ctx.err, "%s: png: the ICC profile (%u bytes) is broken or not for"
                    " this image's colour type; --strip writes no metadata", st->ctx.name,
                    m->icc_len);
    return 0;
}

/* write_meta - sets the chunks of m to go before IDAT; returns 0 or -1
 * with err.  libpng errors longjmp. */
static int write_meta(struct pngw *st, const struct img_meta *m)
{
    if (m->icc != NULL && write_icc(st, m) < 0)
        return -1;
    if (m->exif != NULL)
        png_set_eXIf_1(st->png, st->info, m->exif_len, m->exif);
    if (m->xmp != NULL) {
        png_text t;

        if (memchr(m->xmp, 0, m->xmp_len) != NULL)
            return errf(st->ctx.err, "%s: png: the XMP packet holds a NUL byte, which a PNG"
                        " text cannot", st->ctx.name);
        if ((st->xmp_text = malloc((size_t)m->xmp_len + 1)) == NULL)
            return errf(st->ctx.err, "%s: png: out of memory", st->ctx.name);
        memcpy(st->xmp_text, m->xmp, m->xmp_len);
        st->xmp_text[m->xmp_len] = '\0';
        memset(&t, 0, sizeof t);
        t.compression = PNG_ITXT_COMPRESSION_NONE;
        t.key = "XML:com.adobe.xmp";
        t.text = st->xmp_text;
        t.lang = "";
        t.lang_key = "";
        png_set_text(st->png, st->info, &t, 1);
    }
    /* 1,000,000 ppi bounds the chunk's numbers far below 2^31 */
    if (m->xres > 0 && m->yres > 0 && m->xres <= 1e6 && m->yres <= 1e6)
        png_set_pHYs(st->png, st->info, (png_uint_32)lround(m->xres / 0.0254),
                     (png_uint_32)lround(m->yres / 0.0254), PNG_RESOLUTION_METER);
    return 0;
}

/* start_file - sets the options and writes the header; returns 0 or -1. */
static int start_file(struct pngw *st, uint32_t width, uint32_t height,
                      int channels, const struct img_write_opts *o)
{
    static const int types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                  PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    static const int filters[5] = { PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP,
                                    PNG_FILTER_AVG, PNG_FILTER_PAETH };

    if (setjmp(png_jmpbuf(st->png)))
        return -1;
    png_set_write_fn(st->png, &st->ctx, on_write, on_flush);
    png_set_user_limits(st->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_compression_level(st->png, o->png_level);
    if (o->png_filter >= 0)
        png_set_filter(st->png, PNG_FILTER_TYPE_BASE, filters[o->png_filter]);
    png_set_IHDR(st->png, st->info, width, height, o->depth, types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (o->meta != NULL && write_meta(st, o->meta) < 0)
        return -1;
    png_write_info(st->png, st->info);
    if (o->depth == 16 && host_le())
        png_set_swap(st->png);
    return 0;
}

/* start_parallel - hands the image data to png_parallel.c, libpng
 * having written the chunks before it; returns 0 or -1. */
static int start_parallel(struct pngw *st, uint32_t width, uint32_t height, int channels,
                          const struct img_write_opts *o)
{
    struct pngp_shape s = { width, height, channels, o->depth, o->png_level,
                            o->png_filter, o->png_threads, 0 };

    st->par = pngp_create(st->ctx.f, st->ctx.name, &s, st->ctx.err);
    return st->par == NULL ? -1 : 0;
}

/* pngw_create - returns a PNG writer with the header written, or NULL. */
static void *pngw_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                         int channels, const struct img_write_opts *o, char *err)
{
    struct pngw *st;

    if (width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) {
        errf(err, "%s: png: width and height must be below 2^31", name);
        return NULL;
    }
    if ((st = calloc(1, sizeof *st)) == NULL) {
        errf(err, "%s: png: out of memory", name);
        return NULL;
    }
    st->ctx.name = name;
    st->ctx.err = err;
    st->ctx.f = f;
    st->stride = (size_t)width * (size_t)channels * (size_t)(o->depth / 8);
    st->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st->ctx,
                                      on_error, on_warning);
    if (st->png == NULL || (st->info = png_create_info_struct(st->png)) == NULL) {
        errf(err, "%s: png: cannot create encoder", name);
        goto fail;
    }
    if (start_file(st, width, height, channels, o) < 0
        || (o->png_threads > 0 && start_parallel(st, width, height, channels, o) < 0))
        goto fail;
    return st;

fail:
    pngw_abandon(st);
    return NULL;
}

/* write_band - encodes nrows rows from buf; returns nothing.  Errors longjmp. */
static void write_band(struct pngw *st, const uint8_t *buf, uint32_t nrows)
{
    for (uint32_t i = 0; i < nrows; i++)
        png_write_row(st->png, buf + (size_t)i * st->stride);
}

/* pngw_write - returns 0 after encoding the next nrows rows, or -1. */
static int pngw_write(void *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    struct pngw *st = p;

    st->ctx.err = err;
    if (st->par != NULL)
        return pngp_write(st->par, buf, nrows, err);
    if (setjmp(png_jmpbuf(st->png)))
        return -1;
    write_band(st, buf, nrows);
    return 0;
}

/* pngw_finish - returns 0 after writing the trailer, or -1; frees st. */
static int pngw_finish(void *p, char *err)
{
    struct pngw *st = p;

    st->ctx.err = err;
    if (st->par != NULL) {
        int rc = pngp_finish(st->par, err);

        st->par = NULL;
        pngw_abandon(st);
        return rc;
    }
    if (setjmp(png_jmpbuf(st->png))) {
        pngw_abandon(st);
        return -1;
    }
    png_write_end(st->png, NULL);
    pngw_abandon(st);
    return 0;
}

const struct img_codec img_png_codec = {
    pngr_open, pngr_read, pngr_close,
    pngw_create, pngw_write, pngw_finish, pngw_abandon,
};
