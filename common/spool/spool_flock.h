/*
 * spool_flock.h - the flock(2) tests of the claim protocol: taking a
 * claim's lock without waiting, and asking whether somebody holds one.
 *
 * A claim's owner holds an exclusive lock on the claimed file from the
 * claim until the tile is settled; the kernel drops it when the owner
 * dies, so a lock that can be taken has no live owner (docs/spool.md,
 * "Recovery").  The splitter holds the job directory's lock the same way
 * while it splits (spool_lock).  Files are opened with spool_open: a name
 * that is no regular file is never waited on nor followed.
 */
#ifndef TS_SPOOL_FLOCK_H
#define TS_SPOOL_FLOCK_H

#include "spool.h"

/* spool_flock_try - open the regular file path and take its exclusive
 * lock without waiting.  Returns the descriptor holding it, -2 if someone
 * holds the lock or the file is gone, -3 with err if it is not a regular
 * file (a FIFO, a link, ...), -1 with err on error. */
int spool_flock_try(const char *path, char *err);

/* spool_flock_held - 1 if another process holds an exclusive lock on
 * path (a claimed file, or with dir a job directory), 0 if not, 2 if path
 * is gone or is not what it should be (no regular file, no directory: a
 * lock nobody can hold), -1 with err if it cannot be told.  A shared lock
 * is taken and dropped at once: it never blocks the owner, only a rival's
 * exclusive attempt for that instant, which the protocol treats as
 * "somebody has it". */
int spool_flock_held(const char *path, int dir, char *err);

#endif
