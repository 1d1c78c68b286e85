/*
 * global_stats.h - global (two-pass) filters in the spool: statistics
 * files, their merge and the bookkeeping of the two passes.  Running a
 * filter's analysis is the sandbox's (global.h).
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
#ifndef TS_GLOBAL_STATS_H
#define TS_GLOBAL_STATS_H

#include "manifest.h"
#include "spool.h"

#define GLOBAL_NAME_MAX (SPOOL_TILE_NAME_MAX + 16)

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

/* global_merge - when every tile of the job has its statistics and
 * stats/merged.<g> does not exist yet, merge them and publish it.
 * *ready says whether the merged file exists afterwards.  Returns 0 or -1. */
int global_merge(const struct manifest *m, const char *jobdir, int *ready, char *err);

/* global_waiting - tiles in tiles/ whose pass 1 is still to do; -1 on error. */
long global_waiting(const struct manifest *m, const char *jobdir);

#endif
