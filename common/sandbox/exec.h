/*
 * exec.h - run a resolved filter chain on one tile, in fresh instances.
 *
 * The tile's input (core + halo) is written straight into the first
 * instance's linear memory by a caller's fill function; each stage's
 * output is copied into the next stage's fresh instance; on tiles that
 * touch the image border the part outside the image is re-padded between
 * stages (pad.h), so the result is bit-identical to running the chain on
 * the whole image as one tile.  The worker runs it on spool tiles; tests
 * and the benchmark run it in-process, sandboxed or native.
 */
#ifndef TS_EXEC_H
#define TS_EXEC_H

#include "filter.h"

struct exec_tile {
    uint32_t img_w, img_h;     /* the whole image */
    int channels;
    uint32_t x0, y0, w, h;     /* the core rectangle */
    int halo;                  /* the chain's total halo */
};

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

/* The result: px points at the core's pixels inside the last instance.
 * On failure at_limit says the memory cap (max_memory) was the cause. */
struct exec_out {
    struct filter_inst *last;
    const uint8_t *px;
    int at_limit;
};

/* exec_chain - run stages[0..n) with modules mods[] on tile t, each
 * instance's memory capped at max_memory bytes (0: no cap).  Returns
 * EXEC_OK with *out set (release it with exec_release), or EXEC_FAILED /
 * EXEC_TRAPPED with err filled and out->at_limit set when the cap was
 * reached.  A filter that writes just outside its output buffer fails
 * the tile (EXEC_FAILED).  After EXEC_TRAPPED the process should not
 * run filters again (see filter.h). */
enum exec_result exec_chain(struct filter_module *const *mods, const struct stage_spec *stages,
                            int n, const struct exec_tile *t, uint64_t max_memory,
                            exec_fill_fn fill, void *ctx, struct exec_out *out, char *err);

/* exec_chain_stats - exec_chain for a chain that may hold a global stage,
 * which gets tsf_apply with the blocks in gs. */
enum exec_result exec_chain_stats(struct filter_module *const *mods,
                                  const struct stage_spec *stages, int n,
                                  const struct exec_tile *t, const struct exec_stats *gs,
                                  uint64_t max_memory, exec_fill_fn fill, void *ctx,
                                  struct exec_out *out, char *err);

/* exec_release - free the last instance; NULL-safe. */
void exec_release(struct exec_out *out);

#endif
