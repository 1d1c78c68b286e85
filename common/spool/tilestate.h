/*
 * tilestate.h - which state a tile of a job is in, told from the spool
 * alone: the directory that holds it (docs/spool.md, "Layout").  A tile
 * waits in tiles/, is worked on in claimed/ (as T@node.pid), ends in
 * out/ (and done/ unless --no-keep) or in failed/ (beside failed/T.json).
 * Every program that asks where a tile is, or how many tiles are in one
 * state, asks here; jobscan.h builds a job's whole picture on it.
 */
#ifndef TS_TILESTATE_H
#define TS_TILESTATE_H

#include "manifest.h"
#include "spool.h"

/* tilestate_count - how many entries of jobdir/sub are tiles of the job m
 * describes (in claimed/, claims of them: "T@node.pid"); anything else a
 * person left there is not counted.  Returns the count, or -1. */
long tilestate_count(const struct manifest *m, const char *jobdir, const char *sub);

/* tilestate_find_input - where the input tile T of jobdir is now, as a path
 * relative to jobdir, into rel (PATH_MAX): the first of tiles/T,
 * claimed/T@..., done/T, failed/T that exists, looked for in the order
 * tiles move through them.  Returns 0, 1 if it is in none (rel ""), -1
 * with err. */
int tilestate_find_input(const char *jobdir, const char *tile, char rel[PATH_MAX], char *err);

#endif
