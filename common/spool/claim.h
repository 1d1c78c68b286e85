/*
 * claim.h - the claim protocol: who works on a tile, and taking back the
 * tiles of workers that died.
 *
 * Claim:   open tiles/T, take flock(LOCK_EX|LOCK_NB) on it, then
 *          rename(tiles/T, claimed/T@node.pid).  The lock travels with the
 *          file through the rename and the kernel drops it when the owner
 *          dies, so "claimed and unlocked" means "owner is gone".
 * Commit:  the caller has published out/T first; then claimed -> done/T.
 * Release: claimed -> tiles/T (give the tile back, e.g. on shutdown).
 * Fail:    failed/T.json (the reason, failrec.h), then claimed -> failed/T.
 * Refuse:  a name in tiles/ or claimed/ that is not a regular file cannot
 *          be locked: failed/T.json (kind "spool"), then a rename straight
 *          to failed/T; the rename decides between rivals.
 * Requeue: failed/T -> tiles/T, then failed/T.json removed (a re-run for
 *          transient failures, --retry-failed for all).
 * Recover: every unlocked claim goes to done/ if out/T exists (the work was
 *          finished), otherwise back to tiles/.
 */
#ifndef TS_CLAIM_H
#define TS_CLAIM_H

#include "spool.h"

#define CLAIM_NAME_MAX (SPOOL_TILE_NAME_MAX + SPOOL_NODE_MAX + 24)

struct claim {
    int fd;                              /* holds the flock; -1 when closed */
    char jobdir[PATH_MAX];
    char tile[SPOOL_TILE_NAME_MAX];      /* T */
    char path[PATH_MAX];                 /* jobdir/claimed/T@node.pid */
};

/* claim_tile - try to claim jobdir/tiles/<tile>.  Returns 0 when claimed,
 * 1 when another worker has it (or it is gone), 2 with err when it is not
 * a regular file (a FIFO, a device, a directory, a symbolic link: the
 * caller fails it with claim_refuse), -1 with err on error. */
int claim_tile(const char *jobdir, const char *tile, struct claim *c, char *err);

/* claim_adopt - take over jobdir/claimed/<entry> if its owner is dead.
 * Returns 0 adopted, 1 owner alive (or entry gone), 2 with err when the
 * entry is not a regular file, -1 error. */
int claim_adopt(const char *jobdir, const char *entry, struct claim *c, char *err);

/* claim_commit - move the claim to done/T (keep) or remove it; the caller
 * has published out/T before.  Closes c.  Returns 0 or -1. */
int claim_commit(struct claim *c, int keep, char *err);

/* claim_release - give the tile back to tiles/T; closes c.  Returns 0 or -1. */
int claim_release(struct claim *c, char *err);

/* claim_fail - record why the tile failed (failed/T.json: kind, reason,
 * attempts, pid, time) and move it to failed/T; closes c.  kind is one of
 * "trap", "timeout", "signal", "error", "limit" ("spool": claim_refuse).
 * Returns 0 or -1. */
int claim_fail(struct claim *c, const char *kind, const char *reason, int attempts,
               long pid, char *err);

/* claim_refuse - fail jobdir/sub/entry (tile T), which is not a regular
 * file and so cannot be claimed: failed/T.json (kind "spool", reason),
 * then a rename to failed/T.  Returns 0, 1 if another process moved it
 * first, -1 with err on error. */
int claim_refuse(const char *jobdir, const char *sub, const char *entry, const char *tile,
                 const char *reason, char *err);

/* claim_requeue - give failed tile T another chance: failed/T goes back
 * to tiles/T, then failed/T.json is removed.  Returns 0, 1 if failed/T
 * was gone (another process requeued it), -1 with err. */
int claim_requeue(const char *jobdir, const char *tile, char *err);

/* claim_requeue_finish - remove failed/T.json left beside a waiting
 * tiles/T by a claim_requeue that was interrupted.  Returns 0 or -1. */
int claim_requeue_finish(const char *jobdir, const char *tile, char *err);

/* claim_close - drop the lock without moving anything (the next recovery
 * will requeue the tile). */
void claim_close(struct claim *c);

/* claim_recover - run recovery over jobdir/claimed.  *requeued and *finished
 * (either may be NULL) count what moved.  Returns 0 or -1. */
int claim_recover(const char *jobdir, int *requeued, int *finished, char *err);

/* claim_name - "T@node.pid", the name in claimed/ of tile T claimed by
 * process pid of node, into out. */
void claim_name(const char *tile, const char *node, long pid, char out[CLAIM_NAME_MAX]);

/* claim_name_parse - tile, node and pid of a claimed entry "T@node.pid";
 * node and pid may be NULL.  The tile ends at the first '@'; the pid
 * follows the last '.' (a node id from $TILESPOOL_NODE may hold one);
 * node is "" and pid 0 when the entry lacks them.  Returns 0, or -1 if
 * the entry has no tile part that fits. */
int claim_name_parse(const char *entry, char tile[SPOOL_TILE_NAME_MAX], char node[SPOOL_NODE_MAX],
                     long *pid);

/* claim_entry - the name in claimed/ of a held claim (c->path's last part). */
const char *claim_entry(const struct claim *c);

#endif
