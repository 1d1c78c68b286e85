/*
 * global.h - global (two-pass) filters in the spool: statistics files,
 * their merge, and the analysis of a tile or of a reference image.
 *
 * A chain holds at most one global stage G.  Pass 1 runs, per tile, the
 * stages before G on the tile (with their halo), keeps the result in
 * mid/T when there are such stages, and publishes G's statistics of the
 * tile's core as stats/T.<G>.  When every tile has its file, one merge
 * publishes stats/merged.<G>; pass 2 then runs G (tsf_apply with the
 * merged block) and the stages after it on mid/T (or the tile itself).
 * A reference image's statistics are stats/reference.<G>, computed by
 * the splitter.  docs/spool.md has the whole plan and its crash cases.
 *
 * Statistics files are text: a header, then the block's values in decimal:
 *
 *     tilespool-stats 1
 *     filter equalize
 *     values 1024
 *     0 0 17 ...
 */
#ifndef TS_GLOBAL_H
#define TS_GLOBAL_H

#include "exec.h"
#include "manifest.h"

#define GLOBAL_NAME_MAX (SPOOL_TILE_NAME_MAX + 16)

/* global_post_halo - the halo the stages after stage g need (what mid/T
 * keeps around each core). */
int global_post_halo(const struct manifest *m, int g);

/* global_stats_name - "T.<g>", "merged.<g>" or "reference.<g>" (tile is
 * T, or "merged" / "reference") into out[GLOBAL_NAME_MAX]. */
void global_stats_name(const char *tile, int g, char *out);

/* global_stats_write - publish stats/<name> holding v (s->stats.nvalues
 * values) by tmp + rename.  Returns 0 or -1. */
int global_stats_write(const char *jobdir, const char *name, const struct stage_spec *s,
                       const uint64_t *v, char *err);

/* global_stats_read - read stats/<name> into v.  Returns 0, 1 when the
 * file does not exist, -1 with err when it is damaged or of another
 * filter or size. */
int global_stats_read(const char *jobdir, const char *name, const struct stage_spec *s,
                      uint64_t *v, char *err);

/* global_stats_merge - merge block v into acc by l's rules.  Returns 0,
 * or -1 with err when a sum overflows 64 bits. */
int global_stats_merge(const struct stats_layout *l, uint64_t *acc, const uint64_t *v,
                       char *err);

/* global_merge - when every tile of the job has its statistics and
 * stats/merged.<g> does not exist yet, merge them and publish it.
 * *ready says whether the merged file exists afterwards.  Returns 0 or -1. */
int global_merge(const struct manifest *m, const char *jobdir, int *ready, char *err);

/* global_waiting - tiles in tiles/ whose pass 1 is still to do; -1 on error. */
long global_waiting(const struct manifest *m, const char *jobdir);

/* global_analyze - stage s's tsf_analyze, in a fresh instance of mod, on
 * a w x h buffer (core + halo on every side) taken from px, or filled by
 * fill(ctx) when px is NULL; the block goes to stats.  Returns EXEC_OK,
 * EXEC_FAILED or EXEC_TRAPPED with err filled. */
enum exec_result global_analyze(struct filter_module *mod, const struct stage_spec *s, int ch,
                                uint32_t w, uint32_t h, uint32_t halo, const uint8_t *px,
                                exec_fill_fn fill, void *ctx, uint64_t max_memory,
                                uint64_t *stats, char *err);

/* global_reference - in a child process killed after timeout_sec: decode
 * stage g's reference image, analyze it in bands of rows merged by the
 * layout's rules, and publish stats/reference.<g> in jobdir.  Returns 0;
 * ERR_SYSTEM with err when the spool or a process failed; ERR_BAD_INPUT
 * with err when the image or the filter's analysis of it did. */
int global_reference(const char *jobdir, const struct stage_spec *s, int g, int timeout_sec,
                     char *err);

#endif
