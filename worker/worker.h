/*
 * worker.h - what the worker's supervisor (supervisor.c) and its forked
 * children (child.c) share: the job list and one slot per child in shared
 * memory, where a child says which tile it is on and since when.
 */
#ifndef TS_WORKER_H
#define TS_WORKER_H

#include "manifest.h"

#include <stdatomic.h>
#include <sys/types.h>

/* Exit statuses of a child, read by the supervisor. */
enum {
    CHILD_IDLE = 0,        /* found nothing more to do */
    CHILD_REPLACE = 10,    /* a filter trapped: the process is poisoned, start another */
    CHILD_SPOOL = 11       /* spool or I/O error: stop the pool */
};

struct job {
    char dir[PATH_MAX];
    struct manifest m;
    int broken;            /* refused at start: filters missing or changed */
};

struct slot {
    atomic_int busy;       /* 1 while the fields below describe a tile in progress */
    pid_t pid;
    int job;               /* index into the job list */
    char tile[SPOOL_TILE_NAME_MAX];
    char claim_entry[SPOOL_TILE_NAME_MAX + SPOOL_NODE_MAX + 24];
    double start;          /* now_seconds() when the tile was claimed */
};

struct worker_opts {
    const char *spool;
    int workers;
    double timeout;        /* seconds per tile */
    int retries;           /* extra attempts for a tile whose child died */
    uint64_t max_memory;   /* bytes of linear memory per filter instance */
    int follow;
    int quiet;
};

/* child_main - a child's life: claim and process tiles until none is left
 * (or forever with --follow).  Never returns; exits with a CHILD_ status. */
void child_main(const struct worker_opts *o, struct job *jobs, int njobs, struct slot *slots,
                int index) __attribute__((noreturn));

/* job_waiting - how many entries of j's subdirectory sub (SPOOL_TILES or
 * SPOOL_CLAIMED) are tiles of the job; -1 on error. */
long job_waiting(const struct job *j, const char *sub);

/* supervisor_catch_signals - SIGINT and SIGTERM ask the worker to stop:
 * children are killed, their tiles requeued.  Installed once, at start. */
void supervisor_catch_signals(void);

/* supervisor_stopping - the signal that asked the worker to stop, or 0. */
int supervisor_stopping(void);

/* supervise - fork the children, watch them, requeue or fail the tiles of
 * those that die, replace them, and return the worker's exit status. */
int supervise(const struct worker_opts *o, struct job *jobs, int njobs);

#endif
