/*
 * image_pnm.c - netpbm (P5, P6, P7 PAM) decoder and encoder.
 *
 * NAME
 *	img_pnm_codec - the netpbm entry of the codec table (image_impl.h)
 * SUMMARY
 *	Reading: the header is parsed by pnm_read_header() (netpbm.c); the
 *	samples are raw, one byte each for maxval <= 255 and two bytes
 *	big-endian above.  maxval 255 is passed through untouched; any other
 *	maxval is scaled to 8 bits as (v * 255 + maxval / 2) / maxval, i.e.
 *	rounded to nearest.  With keep16, a maxval above 255 gives 16-bit
 *	samples instead (info.depth 16, host byte order): maxval 65535 is
 *	passed through, any other is scaled as (v * 65535 + maxval / 2) /
 *	maxval; a maxval of 255 or less still gives 8 bits.  A sample above
 *	maxval, or a file that ends before the last sample, is an error.
 *	Rows are streamed: only one stored row is buffered, and only when
 *	samples need scaling.
 *
 *	Writing: pnm_write_header_depth() (P5, P6 or P7 with maxval 255, or
 *	65535 for depth 16) then the rows as given, 16-bit samples swapped
 *	to big-endian through a one-row buffer.  Output is deterministic by
 *	construction.
 * DIAGNOSTICS
 *	"NAME: pnm: ..." with strerror(errno) for I/O errors.
 */
#include "image_impl.h"
#include "netpbm.h"
#include "err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pnmr {
    FILE *f;
    const char *name;
    struct pnm_header h;
    int depth;              /* of the output samples: 8 or 16 */
    size_t samples;         /* samples per row */
    size_t stride;          /* output bytes per row */
    size_t rawlen;          /* stored bytes per row */
    uint8_t *raw;           /* maxval scaled only: one stored row */
};

struct pnmw {
    FILE *f;
    const char *name;
    size_t stride;
    uint8_t *be;            /* depth 16 only: one row, big-endian */
};

/* read_exact - reads len bytes into buf; returns 0, or -1 on a short read. */
static int read_exact(struct pnmr *st, uint8_t *buf, size_t len, char *err)
{
    if (fread(buf, 1, len, st->f) == len)
        return 0;
    if (ferror(st->f))
        return errf_sys(err, "%s: pnm: read", st->name);
    return errf(err, "%s: pnm: unexpected end of file", st->name);
}

/* scale_row - converts one stored row to samples of st->depth bits in
 * out; returns 0, or -1 if a sample exceeds maxval. */
static int scale_row(const struct pnmr *st, const uint8_t *raw, uint8_t *out, char *err)
{
    uint32_t m = st->h.maxval, top = st->depth == 16 ? 65535 : 255;

    for (size_t i = 0; i < st->samples; i++) {
        uint32_t v = m > 255 ? (uint32_t)raw[2 * i] << 8 | raw[2 * i + 1] : raw[i];

        if (v > m)
            return errf(err, "%s: pnm: sample %u exceeds maxval %u", st->name,
                        (unsigned)v, (unsigned)m);
        v = (v * top + m / 2) / m;
        if (st->depth == 16) {
            uint16_t s = (uint16_t)v;
            memcpy(out + 2 * i, &s, 2);
        } else {
            out[i] = (uint8_t)v;
        }
    }
    return 0;
}

/* describe - writes e.g. "rgb" or "gray maxval 1023" into out; returns nothing. */
static void describe(char out[32], int channels, unsigned maxval)
{
    static const char *names[5] = { "", "gray", "gray+alpha", "rgb", "rgba" };

    if (maxval == 255 || maxval == 65535)
        snprintf(out, 32, "%s", names[channels]);
    else
        snprintf(out, 32, "%s maxval %u", names[channels], maxval);
}

/* pnmr_close - frees a netpbm reader; returns nothing. */
static void pnmr_close(void *p)
{
    struct pnmr *st = p;

    if (st == NULL)
        return;
    free(st->raw);
    free(st);
}

/* passes_through - returns 1 if stored rows are already the output rows
 * (16-bit ones but for their byte order). */
static int passes_through(const struct pnmr *st)
{
    return st->h.maxval == (st->depth == 16 ? 65535u : 255u);
}

/* pnmr_open - returns a netpbm reader with *info filled, or NULL. */
static void *pnmr_open(FILE *f, const char *name, const struct img_open_opts *o,
                       struct img_info *info, struct img_meta *meta, char *err)
{
    (void)meta;   /* filled below where the format holds any */
    struct pnmr *st = calloc(1, sizeof *st);

    if (st == NULL) {
        errf(err, "%s: pnm: out of memory", name);
        return NULL;
    }
    st->f = f;
    st->name = name;
    if (pnm_read_header(f, name, &st->h, err) < 0
        || img_check_pixels(name, st->h.width, st->h.height, o->max_pixels, err) < 0)
        goto fail;
    st->depth = o->keep16 && st->h.maxval > 255 ? 16 : 8;
    st->samples = (size_t)st->h.width * (size_t)st->h.channels;
    st->stride = st->samples * (size_t)(st->depth / 8);
    st->rawlen = st->samples * (st->h.maxval > 255 ? 2 : 1);
    if (!passes_through(st) && (st->raw = malloc(st->rawlen)) == NULL) {
        errf(err, "%s: pnm: out of memory", name);
        goto fail;
    }
    info->width = st->h.width;
    info->height = st->h.height;
    info->channels = st->h.channels;
    info->src_depth = st->h.maxval > 255 ? 16 : 8;
    info->depth = st->depth;
    info->interlaced = 0;
    describe(info->src_color, st->h.channels, st->h.maxval);
    return st;

fail:
    pnmr_close(st);
    return NULL;
}

/* pnmr_read - returns 0 after reading the next nrows rows into buf, or -1. */
static int pnmr_read(void *p, uint8_t *buf, uint32_t nrows, char *err)
{
    struct pnmr *st = p;

    if (st->raw == NULL) {
        if (read_exact(st, buf, (size_t)nrows * st->stride, err) < 0)
            return -1;
        if (st->depth == 16)
            pnm_swap16(buf, (size_t)nrows * st->samples);
        return 0;
    }
    for (uint32_t i = 0; i < nrows; i++)
        if (read_exact(st, st->raw, st->rawlen, err) < 0
            || scale_row(st, st->raw, buf + (size_t)i * st->stride, err) < 0)
            return -1;
    return 0;
}

/* pnmw_abandon - frees a netpbm writer; returns nothing. */
static void pnmw_abandon(void *p)
{
    struct pnmw *st = p;

    if (st == NULL)
        return;
    free(st->be);
    free(st);
}

/* pnmw_create - returns a netpbm writer with the header written, or NULL. */
static void *pnmw_create(FILE *f, const char *name, uint32_t width, uint32_t height,
                         int channels, const struct img_write_opts *o, char *err)
{
    struct pnmw *st;

    if (pnm_write_header_depth(f, name, width, height, channels, o->depth, err) < 0)
        return NULL;
    if ((st = calloc(1, sizeof *st)) == NULL) {
        errf(err, "%s: pnm: out of memory", name);
        return NULL;
    }
    st->f = f;
    st->name = name;
    st->stride = (size_t)width * (size_t)channels * (size_t)(o->depth / 8);
    if (o->depth == 16 && (st->be = malloc(st->stride)) == NULL) {
        errf(err, "%s: pnm: out of memory", name);
        pnmw_abandon(st);
        return NULL;
    }
    return st;
}

/* pnmw_write - returns 0 after writing the next nrows rows, or -1. */
static int pnmw_write(void *p, const uint8_t *buf, uint32_t nrows, char *err)
{
    struct pnmw *st = p;
    size_t len = (size_t)nrows * st->stride;

    if (st->be == NULL) {
        if (fwrite(buf, 1, len, st->f) != len)
            return errf_sys(err, "%s: pnm: write", st->name);
        return 0;
    }
    for (uint32_t i = 0; i < nrows; i++) {
        memcpy(st->be, buf + (size_t)i * st->stride, st->stride);
        pnm_swap16(st->be, st->stride / 2);
        if (fwrite(st->be, 1, st->stride, st->f) != st->stride)
            return errf_sys(err, "%s: pnm: write", st->name);
    }
    return 0;
}

/* pnmw_finish - returns 0, or -1 if f has seen a write error; frees st. */
static int pnmw_finish(void *p, char *err)
{
    struct pnmw *st = p;
    int rc = 0;

    if (ferror(st->f))
        rc = errf(err, "%s: pnm: write error", st->name);
    pnmw_abandon(st);
    return rc;
}

const struct img_codec img_pnm_codec = {
    pnmr_open, pnmr_read, pnmr_close,
    pnmw_create, pnmw_write, pnmw_finish, pnmw_abandon,
};
