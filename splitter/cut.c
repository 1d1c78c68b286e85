/*
 * cut.c - splitter: stream the decoded image through a band of rows and
 * write each tile's input rectangle (plan.h), replicate-padded outside
 * the image, into the job's tiles/.
 *
 * Tiles are cut in the order of their rectangles' first row, so the band
 * only ever moves down: it holds the rows from the current rectangle's
 * top to the lowest row an earlier one needed.  For a chain that keeps
 * the size that is the tile size plus twice the halo; a chain that
 * shrinks by s needs s times as many rows.  Nothing is proportional to
 * the whole image (except what an interlaced PNG or progressive JPEG
 * decoder needs internally).
 */
#include "split.h"
#include "err.h"
#include "pad.h"
#include "progress.h"
#include "tile.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct band {
    uint8_t *rows;          /* cap rows of the image, starting at image row `first` */
    uint32_t cap, first, count;
    size_t stride;
};

/* A tile's rectangle clipped to the image: the rows it reads. */
struct cut {
    uint32_t index;         /* row * cols + col */
    uint32_t y0, y1;
};

/* band_advance - make the band hold image rows [lo, hi), reading on. */
static int band_advance(struct band *b, img_reader *r, uint32_t lo, uint32_t hi, char *err)
{
    if (lo > b->first) {
        uint32_t drop = lo - b->first < b->count ? lo - b->first : b->count;
        memmove(b->rows, b->rows + drop * b->stride, (size_t)(b->count - drop) * b->stride);
        b->count -= drop;
        b->first += drop;
    }
    /* rows above lo that no tile needs (a crop's) are decoded and dropped */
    while (b->count == 0 && b->first < lo) {
        uint32_t n = lo - b->first < b->cap ? lo - b->first : b->cap;
        if (img_read_rows(r, b->rows, n, err) < 0)
            return -1;
        b->first += n;
    }
    uint32_t have = b->first + b->count;
    if (hi > have) {
        if (b->count + (hi - have) > b->cap)
            return errf(err, "internal: band overflow");
        if (img_read_rows(r, b->rows + (size_t)b->count * b->stride, hi - have, err) < 0)
            return -1;
        b->count += hi - have;
    }
    return 0;
}

/* fill_tile - copy the in-image part of rectangle t from the band into
 * buf, then replicate the image's edge into the rest. */
static void fill_tile(const struct plan_image *im, const struct band *b,
                      const struct plan_rect *t, uint8_t *buf)
{
    size_t bpp = plan_bytes_per_pixel(im);
    struct pad_rect rect = {t->x, t->y, t->w, t->h};
    int64_t ix0 = t->x < 0 ? 0 : t->x;
    int64_t ix1 = t->x + t->w > im->w ? im->w : t->x + t->w;
    int64_t iy0 = t->y < 0 ? 0 : t->y;
    int64_t iy1 = t->y + t->h > im->h ? im->h : t->y + t->h;
    size_t tstride = (size_t)t->w * bpp;
    assert(iy0 >= b->first && iy1 <= (int64_t)b->first + b->count);
    for (int64_t y = iy0; y < iy1; y++) {
        const uint8_t *src = b->rows + (size_t)(y - b->first) * b->stride + (size_t)ix0 * bpp;
        uint8_t *dst = buf + (size_t)(y - t->y) * tstride + (size_t)(ix0 - t->x) * bpp;
        memcpy(dst, src, (size_t)(ix1 - ix0) * bpp);
    }
    if (pad_touches_border(&rect, im->w, im->h))
        pad_replicate(buf, &rect, (int)bpp, im->w, im->h);
}

/* write_tile - publish tiles/<name> from buf. */
static int write_tile(const struct manifest *m, const char *jobdir, uint32_t row, uint32_t col,
                      const struct plan_rect *t, const uint8_t *buf, char *err)
{
    char name[SPOOL_TILE_NAME_MAX];
    struct spool_file sf;
    tile_name(m, row, col, name);
    if (spool_file_begin(&sf, jobdir, SPOOL_TILES, name, err) < 0)
        return -1;
    if (tile_write(m, &m->plan.img[0], sf.f, sf.final, buf, t->w, t->h, err) < 0) {
        spool_file_abort(&sf);
        return -1;
    }
    return spool_file_commit(&sf, err);
}

static int cut_order(const void *a, const void *b)
{
    const struct cut *x = a, *y = b;
    if (x->y0 != y->y0)
        return x->y0 < y->y0 ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* plan_cuts - the tiles in cutting order, and the band and tile buffer
 * they need.  Returns the array (caller frees) or NULL when out of memory. */
static struct cut *plan_cuts(const struct manifest *m, const struct plan_rect *first,
                             uint32_t *band_rows, uint64_t *tile_px)
{
    size_t n = (size_t)m->rows * m->cols;
    const struct plan_image *im = &m->plan.img[0];
    struct cut *c = malloc(n * sizeof *c);
    if (!c)
        return NULL;
    *tile_px = 0;
    for (size_t i = 0; i < n; i++) {
        const struct plan_rect *t = &first[i];
        int64_t y0 = t->y < 0 ? 0 : t->y, y1 = t->y + t->h > im->h ? im->h : t->y + t->h;
        assert(y0 < y1);     /* plan_tile checked that it overlaps the image */
        c[i] = (struct cut){(uint32_t)i, (uint32_t)y0, (uint32_t)y1};
        if ((uint64_t)t->w * t->h > *tile_px)
            *tile_px = (uint64_t)t->w * t->h;
    }
    qsort(c, n, sizeof *c, cut_order);
    uint32_t reach = 0;
    *band_rows = 0;
    for (size_t i = 0; i < n; i++) {
        reach = c[i].y1 > reach ? c[i].y1 : reach;
        if (reach - c[i].y0 > *band_rows)
            *band_rows = reach - c[i].y0;
    }
    return c;
}

int cut_tiles(img_reader *r, const struct manifest *m, const struct plan_rect *first,
              const char *jobdir, int quiet, char *err)
{
    const struct plan_image *im = &m->plan.img[0];
    struct band b = {0};
    uint64_t tile_px;
    struct cut *cuts = plan_cuts(m, first, &b.cap, &tile_px);
    b.stride = (size_t)im->w * plan_bytes_per_pixel(im);
    b.rows = cuts ? malloc(b.stride * b.cap) : NULL;
    uint8_t *buf = b.rows ? malloc(tile_px * plan_bytes_per_pixel(im)) : NULL;
    int rc = 0;
    if (!buf)
        rc = errf(err, "%s: out of memory for a band of %u rows", m->source_path, b.cap);
    struct progress p;
    size_t n = (size_t)m->rows * m->cols;
    progress_begin(&p, "tiles", n, quiet);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct plan_rect *t = &first[cuts[i].index];
        if (band_advance(&b, r, cuts[i].y0, cuts[i].y1, err) < 0) {
            rc = ERR_BAD_INPUT;     /* the band holds; only decoding fails */
            break;
        }
        fill_tile(im, &b, t, buf);
        rc = write_tile(m, jobdir, cuts[i].index / m->cols, cuts[i].index % m->cols, t, buf,
                        err);
        progress_update(&p, i + 1);
    }
    progress_end(&p);
    free(cuts);
    free(b.rows);
    free(buf);
    return rc;
}
