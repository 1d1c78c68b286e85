/*
 * plan.h - a job planned backwards from its output grid.
 *
 * Stage k of a chain turns image k into image k+1 (image 0 is the decoded
 * source, image n the output).  The output is cut into a grid of square
 * tiles; for each output tile the plan walks the chain backwards, asking
 * each stage which rectangle of its input the wanted part of its output
 * needs (the module's tsf_region, or its halo for an ABI v1 module).  The
 * tile file holds the first stage's wanted rectangle, replicate-padded
 * where it lies outside the source.  docs/spool.md, "The plan", says it
 * with pictures.
 *
 *   want[n]   = the output tile's core (inside image n)
 *   out[k]    = want[k+1] clipped to image k+1      (never empty)
 *   want[k]   = region(stage k, out[k])             (may reach outside image k)
 *
 * Pure arithmetic: the module's answers come from a callback, so the
 * splitter (in its filter child), the worker and the tests share it.
 */
#ifndef TS_PLAN_H
#define TS_PLAN_H

#include "chain.h"

#include <stdint.h>

/* A whole image between two stages. */
struct plan_image {
    uint32_t w, h;
    int ch;                  /* 1..4 */
    int depth;               /* 8 or 16 bits per sample */
};

/* A rectangle in some image's coordinates; x, y may be negative and the
 * rectangle may reach past the image (those pixels are padding). */
struct plan_rect {
    int64_t x, y;
    uint32_t w, h;
};

/* Every rectangle of one output tile. */
struct plan_tile {
    uint32_t row, col;
    struct plan_rect core;                       /* = want[n], in image n */
    struct plan_rect want[CHAIN_MAX_STAGES];     /* stage k's input buffer, image k */
    struct plan_rect out[CHAIN_MAX_STAGES];      /* stage k's output, inside image k+1 */
};

struct plan {
    int nstages;
    struct plan_image img[CHAIN_MAX_STAGES + 1];
    uint32_t tile_size;                          /* core edge, in image n */
    uint32_t cols, rows;                         /* the grid of image n */
};

/* The largest rectangle a stage may ask for, in pixels, and how far
 * outside its image a coordinate may lie. */
#define PLAN_MAX_RECT_PIXELS (1ull << 28)
#define PLAN_MAX_COORD (1ll << 30)

/* plan_region_fn - stage k's answer: the input rectangle *want that its
 * output rectangle *out needs.  Returns 0, or -1 with err naming the
 * module. */
typedef int (*plan_region_fn)(void *ctx, int stage, const struct plan_rect *out,
                              struct plan_rect *want, char *err);

/* plan_grid - set tile_size, cols and rows of p from img[nstages].
 * Returns 0, or -1 with err when the grid would not fit the tile names. */
int plan_grid(struct plan *p, uint32_t tile_size, char *err);

/* plan_tile - fill t for tile (row, col) of p, asking fn for each stage's
 * region from the last stage to the first.  Each answer is checked:
 * non-empty, overlapping its image, within PLAN_MAX_RECT_PIXELS and
 * PLAN_MAX_COORD.  Returns 0, or -1 with err naming the stage (`names`
 * gives the stage names for messages). */
int plan_tile(const struct plan *p, uint32_t row, uint32_t col, plan_region_fn fn, void *ctx,
              const char (*names)[64], struct plan_tile *t, char *err);

/* plan_halo_region - a plan_region_fn for stages that keep the image's
 * size, whose region is their output grown by their halo on every side
 * (what the host checks of every such stage): ctx points at the stages'
 * halos, an int each.  Lets programs that run no filter code (the
 * assembler, inspect) know any tile's rectangles.  Returns 0. */
int plan_halo_region(void *ctx, int stage, const struct plan_rect *out, struct plan_rect *want,
                     char *err);

/* plan_tile_equal - 1 if a and b hold the same rectangles for p's stages. */
int plan_tile_equal(const struct plan *p, const struct plan_tile *a, const struct plan_tile *b);

/* plan_bytes_per_pixel - ch * depth / 8. */
static inline uint32_t plan_bytes_per_pixel(const struct plan_image *im)
{
    return (uint32_t)im->ch * (uint32_t)im->depth / 8u;
}

#endif
