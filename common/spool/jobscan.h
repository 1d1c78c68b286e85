/*
 * jobscan.h - read-only snapshot of a job in the spool: the state of each
 * tile, the claims with their owners, the failures with their reasons.
 *
 * Used by status and inspect.  It never moves, creates or removes a file,
 * and it runs beside live workers: a file that vanishes between listing
 * and reading (ENOENT) is a tile moving on, not an error.
 *
 * Directories are read in the order tiles move through them (claimed/,
 * out/, failed/), so a tile moving forward during the scan is seen at
 * least once; when it is seen twice the later state wins (failed over
 * done over claimed).  A tile seen in none of them is counted waiting.
 * A tile is done when out/T exists: done/ is empty with --no-keep.
 */
#ifndef TS_JOBSCAN_H
#define TS_JOBSCAN_H

#include "claim.h"
#include "err.h"
#include "failrec.h"
#include "manifest_file.h"

#include <time.h>

enum tile_state { TILE_WAITING = 0, TILE_CLAIMED, TILE_DONE, TILE_FAILED, TILE_NSTATES };

enum job_state {
    JOB_SPLITTING,   /* no job.json yet, the splitter holds the job's lock */
    JOB_INCOMPLETE,  /* no job.json and no splitter: the next split removes it */
    JOB_INVALID,     /* job.json unreadable or inconsistent (reason in error) */
    JOB_QUEUED,      /* tiles waiting, none claimed */
    JOB_RUNNING,     /* at least one claim with a live owner */
    JOB_STALLED,     /* claims, all of dead owners: the next worker requeues them */
    JOB_DONE,        /* every tile in out/ */
    JOB_FAILED       /* nothing left to do, some tiles failed */
};

struct js_claim {
    char tile[SPOOL_TILE_NAME_MAX];
    char entry[CLAIM_NAME_MAX];  /* its name in claimed/ */
    char node[SPOOL_NODE_MAX];
    long pid;
    int alive;               /* the owner holds the claim's flock */
    double age;              /* seconds since the claim (the rename: ctime) */
};


struct job_scan {
    char id[SPOOL_JOB_ID_MAX];
    char dir[PATH_MAX];
    enum job_state state;
    char error[ERR_MAX];    /* why JOB_INVALID */
    struct manifest *m;      /* NULL unless job.json was loaded */
    double age;              /* seconds since the job was created */
    uint32_t total;
    uint32_t count[TILE_NSTATES];
    uint8_t *tiles;          /* rows * cols enum tile_state, raster order */
    struct js_claim *claims;
    int nclaims;
    struct failrec *failures;   /* or kind "unknown", reason why there is none */
    int nfailures;
    /* chains with a global stage (docs/spool.md): its index or -1, how many
     * tiles have their pass-1 statistics, whether they are merged */
    int global_stage;
    uint32_t analyzed;
    int merged;
};

/* jobscan_list - the job directories of spool (names that are job ids),
 * sorted, i.e. oldest first.  *ids is one malloc'd block the caller frees.
 * Returns the count, -2 if spool does not exist, -1 with err on error. */
int jobscan_list(const char *spool, char ***ids, char *err);

/* jobscan_load - snapshot job id of spool into js.  An invalid manifest is
 * not an error here: js->state is JOB_INVALID and js->error says why.
 * Returns 0, 1 if the job does not exist (or vanished, or the directory
 * has neither job.json nor tiles/: not a job), -1 with err on a spool
 * error.  Call jobscan_free afterwards whatever it returned. */
int jobscan_load(const char *spool, const char *id, struct job_scan *js, char *err);

/* jobscan_free - release what jobscan_load allocated; safe twice. */
void jobscan_free(struct job_scan *js);

/* jobscan_state_name, tile_state_name - "running", "waiting", ... */
const char *jobscan_state_name(enum job_state s);
const char *tile_state_name(enum tile_state s);

#endif
