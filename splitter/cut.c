/*
 * cut.c - splitter: stream the decoded image through a band of rows and
 * write each tile (core + halo, replicate-padded) into the job's tiles/.
 *
 * Memory: the band holds at most tile_size + 2 * halo image rows, plus one
 * tile buffer; nothing proportional to the whole image (except what an
 * interlaced PNG or progressive JPEG decoder needs internally).
 */
#include "split.h"
#include "err.h"
#include "pad.h"
#include "progress.h"
#include "tile.h"

#include <stdlib.h>
#include <string.h>

struct band {
    uint8_t *rows;          /* cap rows of the image, starting at image row `first` */
    uint32_t cap, first, count;
    size_t stride;
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

/* fill_tile - copy the in-image part of tile g from the band into buf,
 * then replicate the image's edge into the rest. */
static void fill_tile(const struct manifest *m, const struct band *b,
                      const struct tile_geom *g, uint8_t *buf)
{
    int ch = m->source.channels;
    int64_t H = m->halo;
    struct pad_rect rect = {(int64_t)g->x0 - H, (int64_t)g->y0 - H, g->fw, g->fh};
    int64_t ix0 = rect.x < 0 ? 0 : rect.x;
    int64_t ix1 = rect.x + g->fw > m->source.width ? m->source.width : rect.x + g->fw;
    int64_t iy0 = rect.y < 0 ? 0 : rect.y;
    int64_t iy1 = rect.y + g->fh > m->source.height ? m->source.height : rect.y + g->fh;
    size_t tstride = (size_t)g->fw * ch;
    for (int64_t y = iy0; y < iy1; y++) {
        const uint8_t *src = b->rows + (size_t)(y - b->first) * b->stride + (size_t)ix0 * ch;
        uint8_t *dst = buf + (size_t)(y - rect.y) * tstride + (size_t)(ix0 - rect.x) * ch;
        memcpy(dst, src, (size_t)(ix1 - ix0) * ch);
    }
    if (pad_touches_border(&rect, m->source.width, m->source.height))
        pad_replicate(buf, &rect, ch, m->source.width, m->source.height);
}

/* write_tile - publish tiles/<name> from buf. */
static int write_tile(const struct manifest *m, const char *jobdir, const struct tile_geom *g,
                      const uint8_t *buf, char *err)
{
    char name[SPOOL_TILE_NAME_MAX];
    struct spool_file sf;
    tile_name(m, g->row, g->col, name);
    if (spool_file_begin(&sf, jobdir, SPOOL_TILES, name, err) < 0)
        return -1;
    if (tile_write(m, sf.f, sf.final, buf, g->fw, g->fh, err) < 0) {
        spool_file_abort(&sf);
        return -1;
    }
    return spool_file_commit(&sf, err);
}

int cut_tiles(img_reader *r, const struct manifest *m, const char *jobdir, int quiet, char *err)
{
    uint32_t T = m->tile_size, H = (uint32_t)m->halo, W = m->source.width;
    int ch = m->source.channels;
    struct band b = {0};
    b.stride = (size_t)W * ch;
    b.cap = T + 2 * H < m->source.height ? T + 2 * H : m->source.height;
    uint32_t tw = (T < W ? T : W) + 2 * H, th = (T < m->source.height ? T : m->source.height) + 2 * H;
    b.rows = malloc(b.stride * b.cap);
    uint8_t *buf = malloc((size_t)tw * th * ch);
    int rc = 0;
    if (!b.rows || !buf)
        rc = errf(err, "%s: out of memory for a band of %u rows", m->source_path, b.cap);
    struct progress p;
    progress_begin(&p, "tiles", (uint64_t)m->rows * m->cols, quiet);
    for (uint32_t row = 0; row < m->rows && rc == 0; row++) {
        uint32_t y0 = row * T, h = m->source.height - y0 < T ? m->source.height - y0 : T;
        uint32_t lo = y0 > H ? y0 - H : 0;
        uint32_t hi = y0 + h + H < m->source.height ? y0 + h + H : m->source.height;
        if (band_advance(&b, r, lo, hi, err) < 0) {
            rc = ERR_BAD_INPUT;     /* the band holds; only decoding fails */
            break;
        }
        for (uint32_t col = 0; col < m->cols && rc == 0; col++) {
            struct tile_geom g;
            tile_geometry(m, row, col, &g);
            fill_tile(m, &b, &g, buf);
            rc = write_tile(m, jobdir, &g, buf, err);
            progress_update(&p, (uint64_t)row * m->cols + col + 1);
        }
    }
    progress_end(&p);
    free(b.rows);
    free(buf);
    return rc;
}
