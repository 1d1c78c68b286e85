/*
 * requeue.c - failed tiles that deserve another attempt when the worker
 * starts: those failed by a cause outside the tile (a timeout on a paused
 * or overloaded machine, a signal: the OOM killer, an operator), or every
 * failed tile with --retry-failed.
 *
 * A tile is requeued by moving failed/T back to tiles/T (claim_requeue);
 * how many attempts it had is kept here, per job, so that when it fails
 * again its record counts them all (the supervisor starts its counter
 * there).  Failures that a re-run cannot change (trap, error, limit, a
 * spool file that is no regular file) stay until --retry-failed.
 */
#include "worker.h"
#include "claim.h"
#include "err.h"
#include "failrec.h"
#include "joblog.h"
#include "progress.h"
#include "tile.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* transient - 1 if a failure of this kind may not happen again. */
static int transient(const char *kind)
{
    return strcmp(kind, "timeout") == 0 || strcmp(kind, "signal") == 0;
}

/* remember - keep tile's earlier attempts in j->prior; returns 0 or -1. */
static int remember(struct job *j, const char *tile, int attempts, int *cap)
{
    if (j->nprior == *cap) {
        int ncap = *cap ? 2 * *cap : 8;
        struct prior_attempts *p = realloc(j->prior, (size_t)ncap * sizeof *p);
        if (!p)
            return -1;
        j->prior = p;
        *cap = ncap;
    }
    struct prior_attempts *p = &j->prior[j->nprior++];
    snprintf(p->tile, sizeof p->tile, "%s", tile);
    p->count = attempts > 0 ? attempts : 1;
    return 0;
}

/* log_requeued - the job log's line for a requeued tile. */
static void log_requeued(const struct job *j, const char *tile)
{
    char err[ERR_MAX];
    if (joblog_append(j->dir, tile, (long)getpid(), 0, 0, "requeued", err) < 0)
        msg_warn("job %s: %s", j->m.job, err);
}

/* requeue_one - requeue failed tile `tile` if its record says so (or
 * all).  Returns 1 requeued, 0 left, -1 with err. */
static int requeue_one(struct job *j, const char *tile, int all, int *cap, char *err)
{
    struct failrec rec;
    int r = failrec_read(j->dir, tile, &rec, err);
    if ((r == -1 || r == 2) && !all) {
        msg_warn("job %s: tile %s: %s", j->m.job, tile, err);
        return 0;
    }
    if (r != 0)
        snprintf(rec.kind, sizeof rec.kind, "unknown");
    if (!all && !transient(rec.kind))
        return 0;
    r = claim_requeue(j->dir, tile, err);
    if (r != 0)
        return r < 0 ? -1 : 0;      /* 1: another worker requeued it */
    if (remember(j, tile, r == 0 ? rec.attempts : 0, cap) < 0)
        return errf(err, "out of memory");
    log_requeued(j, tile);
    return 1;
}

int requeue_failed(struct job *j, int all, char *err)
{
    char dir[PATH_MAX], **names, tile[SPOOL_TILE_NAME_MAX];
    uint32_t row, col;
    int cap = 0, count = 0, rc = 0;
    int n = spool_list_sub(j->dir, SPOOL_FAILED, dir, &names, err);
    if (n < 0)
        return -1;
    for (int i = 0; i < n && rc == 0; i++) {
        if (failrec_tile_of(names[i], tile) == 0) {
            /* a record a crash left beside a requeued tile */
            if (tile_parse_name(&j->m, tile, &row, &col) == 0)
                rc = claim_requeue_finish(j->dir, tile, err);
            continue;
        }
        if (tile_parse_name(&j->m, names[i], &row, &col) < 0)
            continue;
        int r = requeue_one(j, names[i], all, &cap, err);
        if (r < 0)
            rc = -1;
        count += r > 0;
    }
    free(names);
    if (count > 0)
        msg_info("job %s: %d failed tile(s) requeued%s", j->m.job, count,
                 all ? " (--retry-failed)" : " (failed by a timeout or a signal)");
    return rc;
}

int requeue_prior(const struct job *j, const char *tile)
{
    for (int i = 0; i < j->nprior; i++)
        if (strcmp(j->prior[i].tile, tile) == 0)
            return j->prior[i].count;
    return 0;
}
