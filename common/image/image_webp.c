/*
 * image_webp.c - WebP decoder and encoder (libwebp, its demuxer and mux).
 *
 * NAME
 *	img_webp_codec - the WebP entry of the codec table (image_impl.h)
 * SUMMARY
 *	Reading: the whole file is read into memory (WebP's RIFF container
 *	is bounded, and libwebp decodes from a buffer), refused above
 *	WEBP_FILE_MAX bytes, and parsed with WebPDemux.  The canvas size is
 *	checked against max_pixels before anything proportional to it is
 *	allocated.  Frame o->page (0 the first; a still image has one) is
 *	decoded on the first read into a buffer of the canvas's size, RGB
 *	when the frame has no alpha and covers the canvas, else RGBA; rows
 *	are then served from it band by band.  A frame of an animation is
 *	its own pixels at its offset on a transparent canvas: it is not
 *	blended over the frames before it.  ICCP, EXIF (without a leading
 *	"Exif\0\0" some writers put) and XMP chunks go into the img_meta.
 *	The Exif orientation is not applied: WebP viewers ignore it.
 *
 *	Writing: the encoder needs the whole picture, so rows are kept
 *	(8-bit RGB or RGBA: gray is widened, 16-bit samples reduced as
 *	(v * 255 + 32767) / 65535) and encoded at finish.  WebP holds at
 *	most IMG_WEBP_SIDE_MAX pixels a side; a larger image is refused by
 *	create.  Lossless keeps the RGB of transparent pixels (exact), so a
 *	round trip gives the same samples.  ICC, Exif and XMP from o->meta
 *	are added with WebPMux, making the file VP8X with their flags.
 * DIAGNOSTICS
 *	"NAME: webp: ..." naming the cause.
 */
#include "image_impl.h"
#include "err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

#define WEBP_FILE_MAX (1u << 30)    /* a larger "WebP" is refused unread */

struct webpr {
    const char *name;
    uint8_t *file;          /* the whole file */
    size_t file_len;
    WebPData frame;         /* frame o->page's bitstream, inside file */
    uint32_t w, h;          /* the canvas */
    int fx, fy, fw, fh;     /* the frame's rectangle on it */
    int ch;                 /* 3 or 4 */
    uint8_t *pix;           /* the decoded canvas, after the first read */
    uint32_t next;          /* next row served */
};

struct webpw {
    FILE *f;
    const char *name;
    uint32_t w, h, rows;
    int in_ch, ch, depth;   /* rows given; rows kept (3 or 4); 8 or 16 */
    int quality, lossless;
    const struct img_meta *meta;
    uint8_t *pix;           /* w * h * ch */
};

/* read_file - reads f to its end into a new buffer; returns 0, or -1. */
static int read_file(FILE *f, const char *name, uint8_t **buf, size_t *len, char *err)
{
    size_t cap = 1u << 16, n = 0, got;
    uint8_t *p = malloc(cap), *q;

    if (p == NULL)
        return errf(err, "%s: webp: out of memory", name);
    while ((got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n < cap)
            continue;
        if (cap >= WEBP_FILE_MAX) {
            free(p);
            return errf(err, "%s: webp: file over %u MiB: refused", name, WEBP_FILE_MAX >> 20);
        }
        if ((q = realloc(p, cap * 2)) == NULL) {
            free(p);
            return errf(err, "%s: webp: out of memory for a file of %zu bytes", name, cap * 2);
        }
        p = q;
        cap *= 2;
    }
    if (ferror(f)) {
        free(p);
        return errf_sys(err, "%s: webp: read", name);
    }
    *buf = p;
    *len = n;
    return 0;
}

/* demux_error - fills err with why data does not demux; returns -1. */
static int demux_error(const char *name, const WebPData *data, char *err)
{
    WebPDemuxState state;
    WebPDemuxer *d = WebPDemuxPartial(data, &state);

    WebPDemuxDelete(d);
    if (d != NULL && state != WEBP_DEMUX_DONE)
        return errf(err, "%s: webp: truncated file (%zu bytes)", name, data->size);
    return errf(err, "%s: webp: corrupt file (bad RIFF container or chunk sizes)", name);
}

/* take_chunk - copies the first chunk fourcc of d into *block; 0 or -1. */
static int take_chunk(WebPDemuxer *d, const char *fourcc, uint8_t **block, uint32_t *len,
                      const char *name, const char *what, char *err)
{
    WebPChunkIterator it;
    int rc = 0;

    if (!WebPDemuxGetChunk(d, fourcc, 1, &it))
        return 0;
    const uint8_t *p = it.chunk.bytes;
    size_t n = it.chunk.size;
    if (strcmp(fourcc, "EXIF") == 0 && n >= 6 && memcmp(p, "Exif\0\0", 6) == 0) {
        p += 6;
        n -= 6;
    }
    rc = img_meta_set(block, len, p, n, name, what, err);
    WebPDemuxReleaseChunkIterator(&it);
    return rc;
}

/* pick_frame - finds frame o->page of d and fills st's frame fields;
 * returns 0, or -1. */
static int pick_frame(struct webpr *st, WebPDemuxer *d, uint32_t page, struct img_info *info,
                      char *err)
{
    WebPIterator it;
    WebPBitstreamFeatures ft;
    uint32_t n = WebPDemuxGetI(d, WEBP_FF_FRAME_COUNT);

    if (page >= n)
        return errf(err, "%s: webp: frame %u is not there: the file has %u frame%s", st->name,
                    page, n, n == 1 ? "" : "s");
    if (!WebPDemuxGetFrame(d, (int)page + 1, &it))
        return errf(err, "%s: webp: cannot find frame %u", st->name, page);
    st->frame = it.fragment;
    st->fx = it.x_offset;
    st->fy = it.y_offset;
    st->fw = it.width;
    st->fh = it.height;
    WebPDemuxReleaseIterator(&it);
    if (WebPGetFeatures(st->frame.bytes, st->frame.size, &ft) != VP8_STATUS_OK)
        return errf(err, "%s: webp: frame %u has a corrupt header", st->name, page);
    if (ft.width != st->fw || ft.height != st->fh || st->fx < 0 || st->fy < 0
        || (uint32_t)st->fx + (uint32_t)st->fw > st->w
        || (uint32_t)st->fy + (uint32_t)st->fh > st->h)
        return errf(err, "%s: webp: frame %u does not fit the %ux%u canvas", st->name, page,
                    st->w, st->h);
    int whole = st->fx == 0 && st->fy == 0 && (uint32_t)st->fw == st->w
                && (uint32_t)st->fh == st->h;
    st->ch = ft.has_alpha || !whole ? 4 : 3;
    snprintf(info->src_color, sizeof info->src_color, "%s%s%s", n > 1 ? "animated " : "",
             ft.format == 2 ? "lossless" : ft.format == 1 ? "lossy" : "mixed",
             ft.has_alpha ? "+alpha" : "");
    return 0;
}

/* webpr_close - frees a WebP reader; returns nothing. */
static void webpr_close(void *p)
{
    struct webpr *st = p;

    if (st == NULL)
        return;
    free(st->file);
    free(st->pix);
    free(st);
}

/* webpr_open - returns a WebP reader with *info and *meta filled, or NULL. */
static void *webpr_open(FILE *f, const char *name, const struct img_open_opts *o,
                        struct img_info *info, struct img_meta *meta, char *err)
{
    struct webpr *st = calloc(1, sizeof *st);
    WebPDemuxer *d = NULL;

    if (st == NULL) {
        errf(err, "%s: webp: out of memory", name);
        return NULL;
    }
    st->name = name;
    if (read_file(f, name, &st->file, &st->file_len, err) < 0)
        goto fail;
    if (st->file_len < 12 || memcmp(st->file + 8, "WEBP", 4) != 0) {
        errf(err, "%s: not a WebP image (RIFF but not WEBP)", name);
        goto fail;
    }
    WebPData data = { st->file, st->file_len };
    if ((d = WebPDemux(&data)) == NULL) {
        demux_error(name, &data, err);
        goto fail;
    }
    st->w = WebPDemuxGetI(d, WEBP_FF_CANVAS_WIDTH);
    st->h = WebPDemuxGetI(d, WEBP_FF_CANVAS_HEIGHT);
    if (img_check_pixels(name, st->w, st->h, o->max_pixels, err) < 0
        || pick_frame(st, d, o->page, info, err) < 0
        || take_chunk(d, "ICCP", &meta->icc, &meta->icc_len, name, "ICC profile", err) < 0
        || take_chunk(d, "EXIF", &meta->exif, &meta->exif_len, name, "Exif block", err) < 0
        || take_chunk(d, "XMP ", &meta->xmp, &meta->xmp_len, name, "XMP packet", err) < 0)
        goto fail;
    WebPDemuxDelete(d);
    info->width = st->w;
    info->height = st->h;
    info->channels = st->ch;
    info->src_depth = 8;
    return st;

fail:
    WebPDemuxDelete(d);
    webpr_close(st);
    return NULL;
}

/* decode - decodes the frame onto a transparent canvas; returns 0, or -1. */
static int decode(struct webpr *st, char *err)
{
    size_t stride = (size_t)st->w * (size_t)st->ch, size = stride * st->h;
    uint8_t *ok;

    if ((st->pix = calloc(1, size)) == NULL)
        return errf(err, "%s: webp: out of memory for %ux%u pixels", st->name, st->w, st->h);
    uint8_t *at = st->pix + (size_t)st->fy * stride + (size_t)st->fx * (size_t)st->ch;
    size_t span = size - (size_t)(at - st->pix);
    if (st->ch == 4)
        ok = WebPDecodeRGBAInto(st->frame.bytes, st->frame.size, at, span, (int)stride);
    else
        ok = WebPDecodeRGBInto(st->frame.bytes, st->frame.size, at, span, (int)stride);
    if (ok == NULL)
        return errf(err, "%s: webp: corrupt or truncated image data", st->name);
    return 0;
}

/* webpr_read - returns 0 after copying the next nrows rows into buf, or -1. */
static int webpr_read(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct webpr *st = p;
    size_t stride = (size_t)st->w * (size_t)st->ch;

    if (st->pix == NULL && decode(st, err) < 0)
        return -1;
    assert(st->next + nrows <= st->h);
    memcpy(buf, st->pix + (size_t)st->next * stride, (size_t)nrows * stride);
    st->next += nrows;
    if (st->next == st->h) {        /* done: give the memory back early */
        free(st->file);
        st->file = NULL;
    }
    return 0;
}

/* webpw_abandon - frees a WebP writer; returns nothing. */
static void webpw_abandon(void *p)
{
    struct webpw *st = p;

    if (st == NULL)
        return;
    free(st->pix);
    free(st);
}

/* webpw_create - returns a WebP writer keeping rows, or NULL. */
static void *webpw_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                          int channels, const struct img_write_opts *o, char *err)
{
    struct webpw *st;

    if (width > IMG_WEBP_SIDE_MAX || height > IMG_WEBP_SIDE_MAX) {
        errf(err, "%s: webp: %ux%u is over WebP's limit of %d pixels a side: write PNG or "
             "TIFF", name, width, height, IMG_WEBP_SIDE_MAX);
        return NULL;
    }
    if ((st = calloc(1, sizeof *st)) == NULL) {
        errf(err, "%s: webp: out of memory", name);
        return NULL;
    }
    st->f = f;
    st->name = name;
    st->w = width;
    st->h = height;
    st->in_ch = channels;
    st->ch = channels == 2 || channels == 4 ? 4 : 3;
    st->depth = o->depth;
    st->quality = o->webp_quality;
    st->lossless = o->webp_lossless;
    st->meta = o->meta;
    if ((st->pix = malloc((size_t)width * height * (size_t)st->ch)) == NULL) {
        errf(err, "%s: webp: out of memory for %ux%u pixels", name, width, height);
        webpw_abandon(st);
        return NULL;
    }
    return st;
}

/* sample - returns sample i of a row given at depth 8 or 16, as 8 bits. */
static uint8_t sample(const uint8_t *row, size_t i, int depth)
{
    uint16_t v;

    if (depth == 8)
        return row[i];
    memcpy(&v, row + 2 * i, 2);
    return (uint8_t)(((uint32_t)v * 255 + 32767) / 65535);
}

/* webpw_write - returns 0 after keeping the next nrows rows. */
static int webpw_write(void *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    struct webpw *st = p;
    size_t in_stride = (size_t)st->w * (size_t)st->in_ch * (size_t)(st->depth / 8);

    (void)err;
    for (uint32_t y = 0; y < nrows; y++, st->rows++) {
        const uint8_t *row = buf + y * in_stride;
        uint8_t *out = st->pix + (size_t)st->rows * st->w * (size_t)st->ch;
        for (uint32_t x = 0; x < st->w; x++, out += st->ch) {
            size_t i = (size_t)x * (size_t)st->in_ch;
            int gray = st->in_ch <= 2;
            out[0] = sample(row, i, st->depth);
            out[1] = sample(row, gray ? i : i + 1, st->depth);
            out[2] = sample(row, gray ? i : i + 2, st->depth);
            if (st->ch == 4)
                out[3] = sample(row, i + (size_t)st->in_ch - 1, st->depth);
        }
    }
    return 0;
}

/* encode - encodes the kept rows into *out (WebPMemoryWriterClear frees it);
 * returns 0, or -1. */
static int encode(struct webpw *st, WebPMemoryWriter *out, char *err)
{
    WebPConfig cfg;
    WebPPicture pic;
    int ok;

    if (!WebPConfigInit(&cfg) || !WebPPictureInit(&pic))
        return errf(err, "%s: webp: libwebp version mismatch", st->name);
    cfg.quality = (float)st->quality;
    if (st->lossless) {
        cfg.lossless = 1;
        cfg.exact = 1;      /* keep RGB under alpha 0: round trips are exact */
    }
    if (!WebPValidateConfig(&cfg))
        return errf(err, "%s: webp: quality %d refused by libwebp", st->name, st->quality);
    pic.width = (int)st->w;
    pic.height = (int)st->h;
    pic.use_argb = st->lossless;
    pic.writer = WebPMemoryWrite;
    pic.custom_ptr = out;
    int stride = (int)st->w * st->ch;
    ok = st->ch == 4 ? WebPPictureImportRGBA(&pic, st->pix, stride)
                     : WebPPictureImportRGB(&pic, st->pix, stride);
    free(st->pix);          /* the picture holds its own copy now */
    st->pix = NULL;
    if (ok)
        ok = WebPEncode(&cfg, &pic);
    int code = pic.error_code;
    WebPPictureFree(&pic);
    if (!ok)
        return errf(err, "%s: webp: encoding failed (libwebp error %d%s)", st->name, code,
                    code == VP8_ENC_ERROR_OUT_OF_MEMORY ? ": out of memory" : "");
    return 0;
}

/* add_meta - wraps the bitstream in with o->meta's chunks into *out
 * (WebPDataClear frees it); returns 0, or -1. */
static int add_meta(const struct webpw *st, const WebPData *in, WebPData *out, char *err)
{
    const struct img_meta *m = st->meta;
    WebPMux *mux = WebPMuxNew();
    WebPData icc = { m->icc, m->icc_len }, exif = { m->exif, m->exif_len },
             xmp = { m->xmp, m->xmp_len };
    int ok = mux != NULL && WebPMuxSetImage(mux, in, 0) == WEBP_MUX_OK
             && (m->icc == NULL || WebPMuxSetChunk(mux, "ICCP", &icc, 0) == WEBP_MUX_OK)
             && (m->exif == NULL || WebPMuxSetChunk(mux, "EXIF", &exif, 0) == WEBP_MUX_OK)
             && (m->xmp == NULL || WebPMuxSetChunk(mux, "XMP ", &xmp, 0) == WEBP_MUX_OK)
             && WebPMuxAssemble(mux, out) == WEBP_MUX_OK;

    WebPMuxDelete(mux);
    return ok ? 0 : errf(err, "%s: webp: cannot add the metadata chunks", st->name);
}

/* webpw_finish - returns 0 once the file is encoded and written, or -1; frees st. */
static int webpw_finish(void *p, char *err)
{
    struct webpw *st = p;
    WebPMemoryWriter mem;
    WebPData body = { NULL, 0 }, file;
    int rc;

    assert(st->rows == st->h);
    WebPMemoryWriterInit(&mem);
    rc = encode(st, &mem, err);
    file.bytes = mem.mem;
    file.size = mem.size;
    const struct img_meta *m = st->meta;
    if (rc == 0 && m != NULL && (m->icc || m->exif || m->xmp)) {
        rc = add_meta(st, &file, &body, err);
        file = body;
    }
    /* flushed here so that a full disk is this message, not the caller's */
    if (rc == 0 && (fwrite(file.bytes, 1, file.size, st->f) != file.size
                    || fflush(st->f) != 0 || ferror(st->f)))
        rc = errf(err, "%s: webp: write error", st->name);
    WebPDataClear(&body);
    WebPMemoryWriterClear(&mem);
    webpw_abandon(st);
    return rc;
}

const struct img_codec img_webp_codec = {
    webpr_open, webpr_read, webpr_close,
    webpw_create, webpw_write, webpw_finish, webpw_abandon,
};
