/*
 * tile.h - tile names, tile geometry and tile files.
 *
 * Tile (row, col) covers the core rectangle [col*T, col*T + w) x
 * [row*T, row*T + h) of the OUTPUT image, w and h being T except in the
 * last column and row.  Its input file holds the rectangle of the source
 * that the core needs through the chain (plan.h; for a chain that keeps
 * the size, the core plus the chain's halo on every side), replicate-
 * padded outside the image; its output file is the core only.  Each
 * file has the channels and sample depth of the image it belongs to.
 * Names are "r<row>c<col><ext>" with both indices zero-padded to the
 * manifest's digit count, so `ls` sorts them in raster order.
 */
#ifndef TS_TILE_H
#define TS_TILE_H

#include "manifest.h"

#define TILE_NAME_MAX 64           /* with its NUL */

struct tile_geom {
    uint32_t row, col;
    uint32_t x0, y0;        /* core top-left in output image coordinates */
    uint32_t w, h;          /* core size */
};

/* tile_geometry - fill g for tile (row, col) of m. */
void tile_geometry(const struct manifest *m, uint32_t row, uint32_t col, struct tile_geom *g);

/* tile_name - "r03c07.ppm" into out[TILE_NAME_MAX]. */
void tile_name(const struct manifest *m, uint32_t row, uint32_t col, char *out);

/* tile_parse_name - the inverse of tile_name, accepting only names that
 * tile_name would produce for a tile inside the grid.  Returns 0 or -1. */
int tile_parse_name(const struct manifest *m, const char *name, uint32_t *row, uint32_t *col);

/* tile_write - write a w x h tile of image im (its channels and depth;
 * 16-bit samples in host order in px) in m's tile format to f; `name` is
 * used in messages.  Returns 0 or -1. */
int tile_write(const struct manifest *m, const struct plan_image *im, FILE *f,
               const char *name, const uint8_t *px, uint32_t w, uint32_t h, char *err);

/* tile_read - read the tile file at path, which must be exactly w x h
 * with im's channels and depth, into dst (w * h pixels, 16-bit samples in
 * host order).  A short, long or mis-sized file is an error.  Returns 0
 * or -1. */
int tile_read(const struct manifest *m, const struct plan_image *im, const char *path,
              uint8_t *dst, uint32_t w, uint32_t h, char *err);

/* tile_read_fd - the same from fd, an open regular file (a held claim:
 * no second open of it by name), read from its start; fd stays open;
 * path names it in messages.  Returns 0 or -1. */
int tile_read_fd(const struct manifest *m, const struct plan_image *im, int fd,
                 const char *path, uint8_t *dst, uint32_t w, uint32_t h, char *err);

#endif
