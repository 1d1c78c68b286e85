/*
 * failrec.h - failure records: SPOOL/<job>/failed/T.json says why tile T
 * failed (docs/spool.md, "Life of a job"):
 *
 *     {"tile": "r03c07.ppm", "kind": "trap", "reason": "...",
 *      "attempts": 1, "pid": 4711, "time": "2026-11-21T05:16:34Z"}
 *
 * The record is published (tmp + rename) before its tile is moved to
 * failed/T, so a record may stand beside a tile still claimed (a failure
 * being settled, or one a crash interrupted) or waiting (a requeue a crash
 * interrupted); claim.c decides which.  This module owns the file's name,
 * writing and reading; every program goes through it.
 */
#ifndef TS_FAILREC_H
#define TS_FAILREC_H

#include "spool.h"

#define FAILREC_NAME_MAX (SPOOL_TILE_NAME_MAX + 8)

struct failrec {
    char tile[SPOOL_TILE_NAME_MAX];
    char kind[16];           /* trap | timeout | signal | error | limit | spool */
    char reason[256];
    int attempts;
    long pid;
    char time[32];           /* UTC, ISO 8601 */
};

/* failrec_name - "T.json", the record's name in failed/, into out. */
void failrec_name(const char *tile, char out[FAILREC_NAME_MAX]);

/* failrec_tile_of - the tile T of a record name "T.json" into tile;
 * returns 0, or -1 if name is no record's name. */
int failrec_tile_of(const char *name, char tile[SPOOL_TILE_NAME_MAX]);

/* failrec_path - jobdir/failed/T.json into out (PATH_MAX); 0 or -1. */
int failrec_path(char *out, const char *jobdir, const char *tile, char *err);

/* failrec_write - publish failed/T.json for tile T of jobdir, stamped with
 * the current time.  Returns 0 or -1 with err. */
int failrec_write(const char *jobdir, const char *tile, const char *kind, const char *reason,
                  int attempts, long pid, char *err);

/* failrec_read - failed/T.json into r (fields it lacks are "" or 0).
 * Returns 0, 1 if there is none, 2 with err if it is a JSON object
 * without a string `kind` and a number `attempts` (what the worker needs;
 * r holds what it has), -1 with err if it cannot be read or is no JSON
 * object. */
int failrec_read(const char *jobdir, const char *tile, struct failrec *r, char *err);

/* failrec_remove - unlink failed/T.json (a missing one is fine); 0 or -1. */
int failrec_remove(const char *jobdir, const char *tile, char *err);

#endif
