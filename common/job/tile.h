/*
 * tile.h - tile names, tile geometry and tile files.
 *
 * Tile (row, col) covers the core rectangle [col*T, col*T + w) x
 * [row*T, row*T + h) of the image, w and h being T except in the last
 * column and row.  Its input file adds a halo of H pixels on every side
 * (replicate-padded outside the image); its output file is the core only.
 * Names are "r<row>c<col><ext>" with both indices zero-padded to the
 * manifest's digit count, so `ls` sorts them in raster order.
 */
#ifndef TS_TILE_H
#define TS_TILE_H

#include "manifest.h"

#define TILE_NAME_MAX 64           /* with its NUL */

struct tile_geom {
    uint32_t row, col;
    uint32_t x0, y0;        /* core top-left in image coordinates */
    uint32_t w, h;          /* core size */
    uint32_t fw, fh;        /* input file size: core + 2 * halo */
};

/* tile_geometry - fill g for tile (row, col) of m. */
void tile_geometry(const struct manifest *m, uint32_t row, uint32_t col, struct tile_geom *g);

/* tile_name - "r03c07.ppm" into out[TILE_NAME_MAX]. */
void tile_name(const struct manifest *m, uint32_t row, uint32_t col, char *out);

/* tile_parse_name - the inverse of tile_name, accepting only names that
 * tile_name would produce for a tile inside the grid.  Returns 0 or -1. */
int tile_parse_name(const struct manifest *m, const char *name, uint32_t *row, uint32_t *col);

/* tile_write - write a w x h tile of m's channel count and tile format to f;
 * `name` is used in messages.  Returns 0 or -1. */
int tile_write(const struct manifest *m, FILE *f, const char *name, const uint8_t *px,
               uint32_t w, uint32_t h, char *err);

/* tile_read - read the tile file at path, which must be exactly w x h with
 * m's channel count, into dst (w * h * channels bytes).  A short, long or
 * mis-sized file is an error.  Returns 0 or -1. */
int tile_read(const struct manifest *m, const char *path, uint8_t *dst, uint32_t w,
              uint32_t h, char *err);

#endif
