/*
 * global.h - global (two-pass) filters: the analysis of a tile or of a
 * reference image, which runs the filter's tsf_analyze.  The statistics
 * files and the passes' bookkeeping in the spool are global_stats.h's;
 * docs/spool.md has the whole plan.
 */
#ifndef TS_GLOBAL_H
#define TS_GLOBAL_H

#include "exec.h"

/* global_analyze - stage s's tsf_analyze, in a fresh instance of mod, on
 * a w x h buffer (core + halo on every side) taken from px, or filled by
 * fill(ctx) when px is NULL; the block goes to stats.  A planned tile's
 * pass 1 gives the core alone, halo 0: the plan need not centre the core
 * in the stage's input (exec_core_in, exec_copy_rect cut it out).
 * Returns EXEC_OK, EXEC_FAILED or EXEC_TRAPPED with err filled. */
enum exec_result global_analyze(struct filter_module *mod, const struct stage_spec *s, int ch,
                                uint32_t w, uint32_t h, uint32_t halo, const uint8_t *px,
                                exec_fill_fn fill, void *ctx, uint64_t max_memory,
                                uint64_t *stats, char *err);

/* global_publish_fn - publish the merged statistics block of a reference
 * image (s->stats.nvalues values); runs in the confined child.  Returns 0,
 * or -1 with err. */
typedef int (*global_publish_fn)(void *ctx, const uint64_t *block, char *err);

/* global_reference - in a child process killed after timeout_sec: decode
 * stage s's reference image, analyze it in bands of rows merged by the
 * layout's rules, and hand the block to publish(ctx), which may write
 * only under jobdir.  Returns 0; ERR_SYSTEM with err when publishing or a
 * process failed; ERR_BAD_INPUT with err when the image or the filter's
 * analysis of it did. */
int global_reference(const char *jobdir, const struct stage_spec *s, int timeout_sec,
                     global_publish_fn publish, void *ctx, char *err);

#endif
