/*
 * overview.c - inspect --png: one picture of the job for a terminal image
 * viewer or a CI log: the source view, each tile tinted with its state's
 * colour, the grid drawn in dark lines, and a legend strip below with the
 * four state colours left to right (waiting, claimed, done, failed).
 */
#include "inspect.h"
#include "image.h"
#include "tile.h"

#include <stdlib.h>
#include <string.h>

#define OVERVIEW_MIN_EDGE 512   /* small images are enlarged to about this */
#define LEGEND_H 24

/* rgb_of - view pixel p (1 to 4 channels) as RGB. */
static void rgb_of(const uint8_t *p, int ch, uint8_t out[3])
{
    if (ch <= 2)
        out[0] = out[1] = out[2] = p[0];
    else
        memcpy(out, p, 3);
}

/* paint - the tinted view, zoomed by z, into an RGB picture ow wide. */
static void paint(const struct report *r, uint8_t *img, uint32_t ow, uint32_t z)
{
    const struct canvas *c = &r->src;
    const struct manifest *m = r->js.m;
    for (uint32_t y = 0; y < c->h * z; y++)
        for (uint32_t x = 0; x < c->w * z; x++) {
            uint32_t ix = x / z * c->scale, iy = y / z * c->scale;
            uint32_t col = ix / m->tile_size, row = iy / m->tile_size;
            const uint8_t *tint = state_rgb[r->js.tiles[(size_t)row * m->cols + col]];
            uint8_t px[3], *o = img + ((size_t)y * ow + x) * 3;
            rgb_of(c->px + ((size_t)(y / z) * c->w + x / z) * (size_t)c->channels, c->channels, px);
            /* tile borders: the first view pixel of each tile row and column */
            int edge = (x % z == 0 && ix % m->tile_size < c->scale) ||
                       (y % z == 0 && iy % m->tile_size < c->scale);
            for (int k = 0; k < 3; k++)
                o[k] = edge ? 20 : (uint8_t)((px[k] * 45 + tint[k] * 55) / 100);
        }
}

/* legend - four swatches in the state order along the bottom strip. */
static void legend(uint8_t *img, uint32_t ow, uint32_t top)
{
    for (uint32_t y = top; y < top + LEGEND_H; y++)
        for (uint32_t x = 0; x < ow; x++) {
            uint32_t s = x * TILE_NSTATES / ow;
            int gap = y < top + 4 || x * TILE_NSTATES % ow < TILE_NSTATES * 2;
            uint8_t *o = img + ((size_t)y * ow + x) * 3;
            for (int k = 0; k < 3; k++)
                o[k] = gap ? 255 : state_rgb[s][k];
        }
}

int overview_write(const struct report *r, const char *path, char *err)
{
    const struct canvas *c = &r->src;
    uint32_t edge = c->w > c->h ? c->w : c->h;
    uint32_t z = edge < OVERVIEW_MIN_EDGE ? OVERVIEW_MIN_EDGE / edge : 1;
    uint32_t ow = c->w * z, oh = c->h * z + LEGEND_H;
    uint8_t *img = malloc((size_t)ow * oh * 3);
    if (!img)
        return errf(err, "%s: out of memory for %ux%u", path, ow, oh);
    paint(r, img, ow, z);
    legend(img, ow, c->h * z);
    struct spool_file sf;
    struct img_write_opts o;
    img_default_opts(&o);
    int rc = spool_file_begin_at(&sf, path, err);
    if (rc == 0) {
        img_writer *w = img_create(sf.f, path, IMG_PNG, ow, oh, 3, &o, err);
        if (!w || img_write_rows(w, img, oh, err) < 0) {
            img_abandon(w);
            rc = -1;
        } else {
            rc = img_finish(w, err);
        }
        rc = rc == 0 ? spool_file_commit(&sf, err) : (spool_file_abort(&sf), -1);
    }
    free(img);
    return rc;
}
