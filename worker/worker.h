/*
 * worker.h - what the worker's supervisor (supervisor.c) and its forked
 * children (child.c) share: the job list and one slot per child in shared
 * memory, where a child says which tile it is on and since when.
 */
#ifndef TS_WORKER_H
#define TS_WORKER_H

#include "claim.h"
#include "err.h"
#include "manifest_file.h"

#include <stdatomic.h>
#include <sys/types.h>

/* Exit statuses of a child, read by the supervisor. */
enum {
    CHILD_IDLE = 0,        /* found nothing more to do */
    CHILD_REPLACE = 10,    /* a filter trapped: the process is poisoned, start another */
    CHILD_SPOOL = 11,      /* spool or I/O error: stop the pool */
    CHILD_JOB = 12         /* one job's files are damaged: the slot's bad_job and
                              why say which and how; the other jobs go on */
};

/* A failed tile this run requeued (requeue.c), with its attempts so far. */
struct prior_attempts {
    char tile[SPOOL_TILE_NAME_MAX];
    int count;
};

struct job {
    char dir[PATH_MAX];
    struct manifest m;
    int broken;            /* refused at start (filters missing or changed), or
                              its files found damaged while it ran: left alone */
    struct prior_attempts *prior;   /* requeued at start: malloc'd, nprior of them */
    int nprior;
};

struct slot {
    atomic_int busy;       /* 1 while the fields below describe a tile in progress:
                              set by the child after them, cleared by it when the
                              tile is settled, or by the supervisor when it dies */
    pid_t pid;
    int job;               /* index into the job list */
    char tile[SPOOL_TILE_NAME_MAX];
    char claim_entry[CLAIM_NAME_MAX];
    double start;          /* now_seconds() when the tile was claimed */
    int bad_job;           /* with CHILD_JOB: the job's index, and why */
    char why[ERR_MAX];
};

struct worker_opts {
    const char *spool;
    int workers;
    double timeout;        /* seconds per tile */
    int retries;           /* extra attempts for a tile whose child died */
    uint64_t max_memory;   /* bytes of linear memory per filter instance */
    int follow;
    int quiet;
    int retry_failed;      /* requeue every failed tile at start, not only transient ones */
};

/* child_main - a child's life: claim and process tiles until none is left
 * (or forever with --follow).  Never returns; exits with a CHILD_ status. */
void child_main(const struct worker_opts *o, struct job *jobs, int njobs, struct slot *slots,
                int index) __attribute__((noreturn));

/* requeue_failed - at start: move j's failed tiles back to tiles/ when
 * their failure was transient (timeout, signal), or all of them; their
 * attempts so far are kept in j->prior.  Returns 0 or -1 with err. */
int requeue_failed(struct job *j, int all, char *err);

/* requeue_prior - the attempts tile T of j had before this run requeued
 * it, 0 if it was not requeued. */
int requeue_prior(const struct job *j, const char *tile);

/* supervisor_catch_signals - from now on SIGINT and SIGTERM ask the
 * worker to stop (supervisor_stopping): the pool's children are killed,
 * their tiles requeued, and no further window of jobs is started.
 * Installed once, at start; children put the default back. */
void supervisor_catch_signals(void);

/* supervisor_stopping - the signal that asked the worker to stop, or 0. */
int supervisor_stopping(void);

/* The jobs of the run outside the window being supervised (deferred, or
 * done in an earlier window), for the progress line to count them too. */
struct run_outside {
    uint64_t tiles;        /* their tiles */
    uint64_t settled;      /* of those, in out/ or failed/ */
    int jobs;
    int finished;          /* jobs with every tile settled */
};

/* supervise - fork the children, watch them, requeue or fail the tiles of
 * those that die, replace them, and return the worker's exit status. */
int supervise(const struct worker_opts *o, struct job *jobs, int njobs,
              const struct run_outside *rest);

#endif
