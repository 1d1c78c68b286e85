/*
 * image.c - format sniffing and dispatch for the streaming image codecs.
 *
 * NAME
 *	image - img_open(_opts)/img_read_rows/img_close, img_create/
 *	img_write_rows/img_finish/img_abandon, and small format helpers
 *	(see image.h)
 * SUMMARY
 *	This module owns the input FILE and the row bookkeeping; the formats
 *	themselves live in image_png.c, image_jpeg.c and image_pnm.c behind
 *	the `struct img_codec` table of image_impl.h (Exif parsing in
 *	image_exif.c).  img_open and img_open_fp are img_open_opts_fp with
 *	only max_pixels set, so every reader goes through one path.
 * DESCRIPTION
 *	img_open() reads the first bytes of the file to choose the codec:
 *	the 8-byte PNG signature, JPEG's FF D8 FF, or 'P' and a digit 1-7
 *	for netpbm (P1-P4 are then refused by the netpbm reader with a clear
 *	message).  The file name's extension is never consulted.  The file is
 *	then rewound, so the input must be seekable (a regular file).
 *	What a codec leaves 0 in img_info's newer fields is filled here with
 *	the plain answer (depth 8, orientation 1, shrink 1, full size = size),
 *	and the pixel limit is checked again on the stored size.
 *
 *	A writer's depth 0 is taken as 8, so options filled field by field
 *	before depth existed keep working.
 *
 *	Row counts are checked here: asking a reader or writer for more rows
 *	than remain is an error, and img_finish() refuses an image that did
 *	not receive all its rows.  After a codec has failed, every later call
 *	fails too (libpng and libjpeg state is not reusable after an error).
 * DIAGNOSTICS
 *	All messages start with the file name: "photo.png: not a PNG, JPEG or
 *	netpbm image", "photo.png: empty file (0 bytes)".
 */
#include "image.h"
#include "image_impl.h"
#include "err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct img_reader {
    const struct img_codec *codec;
    void *state;
    FILE *f;
    char *name;
    uint32_t height, next_row;
    int failed;
    struct img_meta meta;
};

struct img_writer {
    const struct img_codec *codec;
    void *state;
    char *name;
    uint32_t height, next_row;
    int failed;
};

/* img_default_opts - fill o with the defaults of image.h; returns nothing. */
void img_default_opts(struct img_write_opts *o)
{
    o->png_level = 6;
    o->png_filter = -1;
    o->png_threads = 0;
    o->jpeg_quality = 90;
    o->jpeg_progressive = 0;
    o->jpeg_optimize = 0;
    o->jpeg_subsample = 0;
    o->webp_quality = 75;
    o->webp_lossless = 0;
    o->tiff_compression = IMG_TIFF_NONE;
    o->tiff_tile = 0;
    o->bigtiff = 0;
    o->meta = NULL;
    o->depth = 8;
}

/* img_format_name - returns a static lower-case name for f. */
const char *img_format_name(enum img_format f)
{
    switch (f) {
    case IMG_PNG: return "png";
    case IMG_JPEG: return "jpeg";
    case IMG_PNM: return "pnm";
    case IMG_TIFF: return "tiff";
    case IMG_WEBP: return "webp";
    case IMG_GIF: return "gif";
    default: return "unknown";
    }
}

/* img_format_from_path - returns the format implied by path's extension. */
enum img_format img_format_from_path(const char *path)
{
    static const struct { const char *ext; enum img_format fmt; } map[] = {
        { ".png", IMG_PNG }, { ".jpg", IMG_JPEG }, { ".jpeg", IMG_JPEG },
        { ".pnm", IMG_PNM }, { ".pgm", IMG_PNM }, { ".ppm", IMG_PNM },
        { ".pam", IMG_PNM }, { ".tif", IMG_TIFF }, { ".tiff", IMG_TIFF },
        { ".webp", IMG_WEBP }, { ".gif", IMG_GIF },
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (dot == NULL || (slash != NULL && dot < slash))
        return IMG_UNKNOWN;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(dot, map[i].ext) == 0)
            return map[i].fmt;
    return IMG_UNKNOWN;
}

/* img_format_from_name - returns the format a --format word names. */
enum img_format img_format_from_name(const char *word)
{
    static const struct { const char *word; enum img_format fmt; } map[] = {
        { "png", IMG_PNG }, { "jpeg", IMG_JPEG }, { "jpg", IMG_JPEG }, { "pnm", IMG_PNM },
        { "ppm", IMG_PNM }, { "pgm", IMG_PNM }, { "pam", IMG_PNM }, { "tiff", IMG_TIFF },
        { "tif", IMG_TIFF }, { "webp", IMG_WEBP }, { "gif", IMG_GIF },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(word, map[i].word) == 0)
            return map[i].fmt;
    return IMG_UNKNOWN;
}

/* img_check_pixels - returns 0 if the size is within max_pixels, else -1. */
int img_check_pixels(const char *name, uint32_t width, uint32_t height,
                     uint64_t max_pixels, char *err)
{
    uint64_t n = (uint64_t)width * height;

    if (max_pixels != 0 && n > max_pixels)
        return errf(err, "%s: image is %" PRIu32 "x%" PRIu32 " = %llu pixels,"
                    " over the limit of %llu pixels", name, width, height,
                    (unsigned long long)n, (unsigned long long)max_pixels);
    return 0;
}

/* codec_for - returns the codec table for fmt, or NULL. */
static const struct img_codec *codec_for(enum img_format fmt)
{
    switch (fmt) {
    case IMG_PNG: return &img_png_codec;
    case IMG_JPEG: return &img_jpeg_codec;
    case IMG_PNM: return &img_pnm_codec;
    case IMG_TIFF: return &img_tiff_codec;
    case IMG_WEBP: return &img_webp_codec;
    case IMG_GIF: return &img_gif_codec;
    default: return NULL;
    }
}

/* img_format_writable - returns 1 if fmt has an encoder. */
int img_format_writable(enum img_format fmt)
{
    const struct img_codec *c = codec_for(fmt);
    return c != NULL && c->create != NULL;
}

/* img_meta_free - returns nothing; m is zeroed. */
void img_meta_free(struct img_meta *m)
{
    if (m == NULL)
        return;
    free(m->icc);
    free(m->exif);
    free(m->xmp);
    memset(m, 0, sizeof *m);
}

/* img_meta_set - returns 0 once *block holds a copy of data, or -1. */
int img_meta_set(uint8_t **block, uint32_t *len, const void *data, size_t n,
                 const char *name, const char *what, char *err)
{
    uint8_t *copy;

    if (n > IMG_META_MAX)
        return errf(err, "%s: %s of %zu bytes is over the limit of %u bytes", name, what, n,
                    IMG_META_MAX);
    if ((copy = malloc(n ? n : 1)) == NULL)
        return errf(err, "%s: out of memory for the %s (%zu bytes)", name, what, n);
    if (n)
        memcpy(copy, data, n);
    free(*block);
    *block = copy;
    *len = (uint32_t)n;
    return 0;
}

/* img_reader_meta - returns the reader's metadata (zeroed if none). */
const struct img_meta *img_reader_meta(const img_reader *r)
{
    return &r->meta;
}

/* sniff - returns the format named by f's magic bytes and rewinds f;
 * IMG_UNKNOWN with err filled if it has none or cannot be read. */
static enum img_format sniff(FILE *f, const char *name, char *err)
{
    static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    uint8_t m[8];
    enum img_format fmt = IMG_UNKNOWN;
    size_t n = fread(m, 1, sizeof m, f);

    if (n == 0 && ferror(f))
        return errf_sys(err, "%s: read", name), IMG_UNKNOWN;
    if (n == 0)
        return errf(err, "%s: empty file (0 bytes)", name), IMG_UNKNOWN;
    if (n == 8 && memcmp(m, png_sig, 8) == 0)
        fmt = IMG_PNG;
    else if (n >= 3 && m[0] == 0xff && m[1] == 0xd8 && m[2] == 0xff)
        fmt = IMG_JPEG;
    else if (n >= 2 && m[0] == 'P' && m[1] >= '1' && m[1] <= '7')
        fmt = IMG_PNM;
    else if (n >= 4 && ((m[0] == 'I' && m[1] == 'I' && (m[2] == 42 || m[2] == 43) && m[3] == 0)
                        || (m[0] == 'M' && m[1] == 'M' && m[2] == 0
                            && (m[3] == 42 || m[3] == 43))))
        fmt = IMG_TIFF;
    else if (n >= 4 && memcmp(m, "RIFF", 4) == 0)
        fmt = IMG_WEBP;         /* the codec checks "WEBP" at offset 8 */
    else if (n >= 6 && (memcmp(m, "GIF87a", 6) == 0 || memcmp(m, "GIF89a", 6) == 0))
        fmt = IMG_GIF;
    else
        return errf(err, "%s: not a PNG, JPEG, netpbm, TIFF, WebP or GIF image",
                    name), IMG_UNKNOWN;
    if (fseeko(f, 0, SEEK_SET) != 0)
        return errf_sys(err, "%s: cannot rewind (input must be a regular file)",
                        name), IMG_UNKNOWN;
    return fmt;
}

/* img_open - returns a reader positioned at the first row, or NULL. */
img_reader *img_open(const char *path, uint64_t max_pixels,
                     struct img_info *info, char *err)
{
    struct img_open_opts o = { .max_pixels = max_pixels };

    return img_open_opts_path(path, &o, info, err);
}

/* img_open_fp - returns a reader of f positioned at the first row, or
 * NULL (f closed either way on failure). */
img_reader *img_open_fp(FILE *f, const char *path, uint64_t max_pixels,
                        struct img_info *info, char *err)
{
    struct img_open_opts o = { .max_pixels = max_pixels };

    return img_open_opts_fp(f, path, &o, info, err);
}

/* img_open_opts_path - returns a reader of path positioned at the first row, or NULL. */
img_reader *img_open_opts_path(const char *path, const struct img_open_opts *o,
                          struct img_info *info, char *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        errf_sys(err, "%s", path);
        return NULL;
    }
    return img_open_opts_fp(f, path, o, info, err);
}

/* fill_defaults - completes what a codec left 0 in info; returns 0, or
 * -1 if the codec's answer is not a shape image.h allows. */
static int fill_defaults(struct img_info *info, const char *path, char *err)
{
    if (info->depth == 0)
        info->depth = 8;
    if (info->orientation == 0)
        info->orientation = 1;
    if (info->shrink == 0)
        info->shrink = 1;
    if (info->full_width == 0 && info->full_height == 0) {
        info->full_width = info->width;
        info->full_height = info->height;
    }
    if (info->width == 0 || info->height == 0
        || info->channels < 1 || info->channels > 4
        || (info->depth != 8 && info->depth != 16)
        || info->orientation < 1 || info->orientation > 8)
        return errf(err, "%s: %s decoder gave a bad shape", path,
                    img_format_name(info->format));
    return 0;
}

/* img_open_opts_fp - returns a reader of f positioned at the first row,
 * or NULL (f closed either way on failure). */
img_reader *img_open_opts_fp(FILE *f, const char *path, const struct img_open_opts *o,
                             struct img_info *info, char *err)
{
    static const struct img_open_opts none;
    img_reader *r = calloc(1, sizeof *r);
    enum img_format fmt;

    if (o == NULL)
        o = &none;
    if (r == NULL || (r->name = strdup(path)) == NULL) {
        errf(err, "%s: out of memory", path);
        fclose(f);
        goto fail;
    }
    r->f = f;
    if (o->jpeg_shrink != 0 && o->jpeg_shrink != 1 && o->jpeg_shrink != 2
        && o->jpeg_shrink != 4 && o->jpeg_shrink != 8) {
        errf(err, "%s: jpeg shrink %d is not 1, 2, 4 or 8", path, o->jpeg_shrink);
        goto fail;
    }
    if ((fmt = sniff(r->f, r->name, err)) == IMG_UNKNOWN)
        goto fail;
    memset(info, 0, sizeof *info);
    info->format = fmt;
    r->codec = codec_for(fmt);
    r->state = r->codec->open(r->f, r->name, o, info, &r->meta, err);
    if (r->state == NULL || fill_defaults(info, path, err) < 0)
        goto fail;
    /* codecs already checked; repeated so no format can forget it */
    if (img_check_pixels(path, info->full_width, info->full_height,
                         o->max_pixels, err) < 0)
        goto fail;
    r->height = info->height;
    return r;

fail:
    img_close(r);
    return NULL;
}

/* img_read_rows - returns 0 after decoding nrows rows into buf, or -1. */
int img_read_rows(img_reader *r, uint8_t *buf, uint32_t nrows, char *err)
{
    if (r->failed)
        return errf(err, "%s: cannot read after an earlier error", r->name);
    if (nrows > r->height - r->next_row)
        return errf(err, "%s: asked for %" PRIu32 " rows but only %" PRIu32
                    " remain", r->name, nrows, r->height - r->next_row);
    if (nrows == 0)
        return 0;
    if (r->codec->read(r->state, buf, nrows, err) < 0) {
        r->failed = 1;
        return -1;
    }
    r->next_row += nrows;
    return 0;
}

/* img_has_trailing_bytes - after the last row: 1 if the file goes on past
 * the image's end, 0 if not, -1 if rows remain unread. */
int img_has_trailing_bytes(img_reader *r)
{
    if (r->next_row != r->height || r->failed)
        return -1;
    return fgetc(r->f) != EOF;
}

/* img_close - frees the reader and closes its file; returns nothing. */
void img_close(img_reader *r)
{
    if (r == NULL)
        return;
    if (r->state != NULL)
        r->codec->close(r->state);
    if (r->f != NULL)
        fclose(r->f);
    img_meta_free(&r->meta);
    free(r->name);
    free(r);
}

/* check_opts - returns 0 if o is within the ranges of image.h, else -1. */
static int check_opts(const char *name, const struct img_write_opts *o, char *err)
{
    if (o->png_level < 0 || o->png_level > 9)
        return errf(err, "%s: png level %d is not 0-9", name, o->png_level);
    if (o->png_filter < -1 || o->png_filter > 4)
        return errf(err, "%s: png filter %d is not -1 or 0-4", name, o->png_filter);
    if (o->png_threads < 0 || o->png_threads > IMG_THREADS_MAX)
        return errf(err, "%s: %d png threads is not 0-%d", name, o->png_threads,
                    IMG_THREADS_MAX);
    if (o->jpeg_quality < 1 || o->jpeg_quality > 100)
        return errf(err, "%s: jpeg quality %d is not 1-100", name, o->jpeg_quality);
    if (o->jpeg_subsample != 0 && o->jpeg_subsample != 444 && o->jpeg_subsample != 422
        && o->jpeg_subsample != 420)
        return errf(err, "%s: jpeg subsampling %d is not 444, 422 or 420", name,
                    o->jpeg_subsample);
    if (o->webp_quality < 0 || o->webp_quality > 100)
        return errf(err, "%s: webp quality %d is not 0-100", name, o->webp_quality);
    if (o->tiff_compression < IMG_TIFF_NONE || o->tiff_compression > IMG_TIFF_ZSTD)
        return errf(err, "%s: tiff compression %d is unknown", name, o->tiff_compression);
    if (o->tiff_tile < 0 || o->tiff_tile % 16 != 0 || o->tiff_tile > 32768)
        return errf(err, "%s: tiff tile %d is not 0 or a multiple of 16 up to 32768", name,
                    o->tiff_tile);
    if (o->depth != 0 && o->depth != 8 && o->depth != 16)
        return errf(err, "%s: sample depth %d is not 8 or 16", name, o->depth);
    return 0;
}

/* check_shape - returns 0 if the image can be written as fmt, else -1. */
static int check_shape(const char *name, enum img_format fmt, uint32_t width,
                       uint32_t height, int channels, char *err)
{
    if (!img_format_writable(fmt))
        return errf(err, "%s: cannot write format %s", name, img_format_name(fmt));
    if (width == 0 || height == 0)
        return errf(err, "%s: cannot write a %" PRIu32 "x%" PRIu32 " image",
                    name, width, height);
    if (channels < 1 || channels > 4)
        return errf(err, "%s: cannot write %d channels (1-4)", name, channels);
    if (fmt == IMG_JPEG && (channels == 2 || channels == 4))
        return errf(err, "%s: jpeg: cannot write %d channels: JPEG has no alpha"
                    " (drop alpha first)", name, channels);
    return 0;
}

/* img_create - returns a writer ready for the first row, or NULL. */
img_writer *img_create(FILE *f, const char *name, enum img_format fmt,
                       uint32_t width, uint32_t height, int channels,
                       const struct img_write_opts *o, char *err)
{
    struct img_write_opts defaults;
    img_writer *w = NULL;

    if (o == NULL)
        img_default_opts(&defaults);
    else
        defaults = *o;
    if (check_shape(name, fmt, width, height, channels, err) < 0
        || check_opts(name, &defaults, err) < 0)
        return NULL;
    /* options filled field by field (a manifest's) may leave depth 0 */
    if (defaults.depth == 0)
        defaults.depth = 8;
    o = &defaults;
    if ((w = calloc(1, sizeof *w)) == NULL || (w->name = strdup(name)) == NULL) {
        errf(err, "%s: out of memory", name);
        goto fail;
    }
    w->codec = codec_for(fmt);
    w->height = height;
    w->state = w->codec->create(f, w->name, width, height, channels, o, err);
    if (w->state == NULL)
        goto fail;
    return w;

fail:
    img_abandon(w);
    return NULL;
}

/* img_write_rows - returns 0 after encoding nrows rows from buf, or -1. */
int img_write_rows(img_writer *w, const uint8_t *buf, uint32_t nrows, char *err)
{
    if (w->failed)
        return errf(err, "%s: cannot write after an earlier error", w->name);
    if (nrows > w->height - w->next_row)
        return errf(err, "%s: %" PRIu32 " rows given but only %" PRIu32
                    " remain", w->name, nrows, w->height - w->next_row);
    if (nrows == 0)
        return 0;
    if (w->codec->write(w->state, buf, nrows, err) < 0) {
        w->failed = 1;
        return -1;
    }
    w->next_row += nrows;
    return 0;
}

/* img_finish - returns 0 once the trailer is written, or -1; frees w. */
int img_finish(img_writer *w, char *err)
{
    int rc;

    if (w->failed || w->next_row != w->height) {
        if (w->failed)
            errf(err, "%s: cannot finish after an earlier error", w->name);
        else
            errf(err, "%s: only %" PRIu32 " of %" PRIu32 " rows written",
                 w->name, w->next_row, w->height);
        img_abandon(w);
        return -1;
    }
    rc = w->codec->finish(w->state, err);
    free(w->name);
    free(w);
    return rc;
}

/* img_abandon - frees w without finishing the file; returns nothing. */
void img_abandon(img_writer *w)
{
    if (w == NULL)
        return;
    if (w->state != NULL)
        w->codec->abandon(w->state);
    free(w->name);
    free(w);
}
