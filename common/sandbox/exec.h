/*
 * exec.h - run a planned filter chain on one tile, in fresh instances.
 *
 * The plan (plan.h) gives each stage k of the tile the rectangle of image
 * k it reads (want[k]) and the rectangle of image k+1 it makes (out[k]).
 * The first stage's input is written straight into its instance's linear
 * memory by a caller's fill function; each stage's output is copied into
 * the next stage's fresh instance, placed inside that stage's want
 * rectangle, and the part outside the image is replicate-padded (pad.h),
 * so the result is bit-identical to running the chain on the whole image
 * as one tile.  The worker runs it on spool tiles; tests and the
 * benchmark run it in-process, sandboxed or native.
 */
#ifndef TS_EXEC_H
#define TS_EXEC_H

#include "filter.h"
#include "plan.h"

/* A global stage's merged statistics and its reference image's (NULL:
 * none), stats.nvalues uint64_t each (global.h). */
struct exec_stats {
    const uint64_t *stats, *ref;
};

enum exec_result { EXEC_OK = 0, EXEC_FAILED, EXEC_TRAPPED };

/* Fill dst (w x h pixels) with the tile's input; returns 0 or -1 with err. */
typedef int (*exec_fill_fn)(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err);

/* exec_fill_guarded - run fill into dst (in fi's memory) under fi's trap
 * guard: decoding a tile is host code in a process where any fault is
 * taken for a trap.  Returns 0, -1 with err, or FILTER_TRAP. */
int exec_fill_guarded(struct filter_inst *fi, exec_fill_fn fill, void *ctx, uint8_t *dst,
                      uint32_t w, uint32_t h, char *err);

/* The result: px points at w x h pixels of the last stage's output image,
 * inside the last instance or in `own` (malloc'd) when the host padded
 * them.  On failure at_limit says the memory cap (max_memory) was the
 * cause. */
struct exec_out {
    struct filter_inst *last;
    const uint8_t *px;
    uint32_t w, h;
    uint8_t *own;
    int at_limit;
};

/* exec_plan_tile - plan tile (row, col) of p (plan_tile), asking the
 * stages' modules for their regions, each v2 module in a fresh instance
 * capped at max_memory bytes.  Returns EXEC_OK with *t filled, or
 * EXEC_FAILED / EXEC_TRAPPED with err naming the module. */
enum exec_result exec_plan_tile(struct filter_module *const *mods,
                                const struct stage_spec *stages, const struct plan *p,
                                uint32_t row, uint32_t col, uint64_t max_memory,
                                struct plan_tile *t, char *err);

/* exec_chain - run stages [from, to) of tile t of plan p with modules
 * mods[] (indexed by stage), each instance's memory capped at max_memory
 * bytes (0: no cap).  fill writes want[from] (image `from`'s channels and
 * depth).  A global stage in the range gets tsf_apply with the blocks in
 * gs, or without gs (NULL) analyses its own tile first: then the tile
 * must be the whole image.  The result is want[to], padded, for to <
 * p->nstages, else the tile's core.  Returns EXEC_OK with *out set
 * (release it with exec_release), or EXEC_FAILED / EXEC_TRAPPED with err
 * filled and out->at_limit set when the cap was reached.  A filter that
 * writes just outside its output buffer fails the tile (EXEC_FAILED).
 * After EXEC_TRAPPED the process should not run filters again (see
 * filter.h). */
enum exec_result exec_chain(struct filter_module *const *mods, const struct stage_spec *stages,
                            const struct plan *p, const struct plan_tile *t, int from, int to,
                            const struct exec_stats *gs, uint64_t max_memory,
                            exec_fill_fn fill, void *ctx, struct exec_out *out, char *err);

/* exec_core_in - 0 if tile t's core, its coordinates read in image k
 * (which must have the output's size), lies inside want[k], as a global
 * stage k's pass 1 analyses it; else -1 with err (a stage after k moves
 * pixels). */
int exec_core_in(const struct plan *p, const struct plan_tile *t, int k, char *err);

/* exec_copy_rect - rectangle *to (inside *from) out of buffer px, which
 * holds rectangle *from, bpp bytes per pixel, into dst. */
void exec_copy_rect(const uint8_t *px, const struct plan_rect *from, const struct plan_rect *to,
                    size_t bpp, uint8_t *dst);

/* exec_core_margin - how far tile t's core lies inside want[k] (as
 * exec_core_in), the same on every side, into *margin.  Returns 0, or -1
 * with err when it does not lie there so: a later stage moves pixels, or
 * has a margin and the tile touches the image border (the plan clips
 * each stage's output to its image), where pass 1 must cut the core out
 * instead (exec_copy_rect) and analyse it with no margin. */
int exec_core_margin(const struct plan *p, const struct plan_tile *t, int k, uint32_t *margin,
                     char *err);

/* exec_core_offset - where tile t's core (read in image k, which must
 * have the output's size) lies inside want[k]: *ox, *oy pixels in from
 * its top-left corner.  Returns 0, or -1 with err when image k has
 * another size or want[k] does not hold the core. */
int exec_core_offset(const struct plan *p, const struct plan_tile *t, int k, uint32_t *ox,
                     uint32_t *oy, char *err);

/* exec_release - free the last instance and the padded result; NULL-safe. */
void exec_release(struct exec_out *out);

#endif
