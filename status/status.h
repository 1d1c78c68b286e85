/*
 * status.h - the parts of the status program: the scan of the spool it
 * prints (main.c), the text listing (text.c) and the JSON (json.c).
 *
 * Jobs are scanned and written one at a time: a job's snapshot (with its
 * manifest, some 180 KB) is released before the next is read, so the
 * memory status needs does not grow with the number of jobs beyond the
 * JSON document's few hundred bytes per job.
 */
#ifndef TS_STATUS_H
#define TS_STATUS_H

#include "jobscan.h"

#define STATUS_JSON_VERSION 1

struct status_report {
    const char *spool;
    int idw;                          /* width of the JOB column */
    int njobs;                        /* jobs written so far */
    unsigned long sum[TILE_NSTATES];  /* their tiles by state */
    unsigned long total;
    void *doc;                        /* --json: the document being built */
};

/* status_text_job - the listing's lines of one job on f (the heading
 * before the first); counts it in r. */
void status_text_job(FILE *f, struct status_report *r, const struct job_scan *js);

/* status_text_end - the closing total of the listing (or "no jobs"). */
void status_text_end(FILE *f, const struct status_report *r);

/* status_json_begin, status_json_job, status_json_end - the documented
 * JSON (docs/cli.md): start the document, add a job (counted in r), write
 * it on f and release it (status_json_end with f NULL only releases).
 * Each returns 0, or -1 with err when it cannot be built (out of memory). */
int status_json_begin(struct status_report *r, char *err);
int status_json_job(struct status_report *r, const struct job_scan *js, char *err);
int status_json_end(FILE *f, struct status_report *r, char *err);

/* status_count - add js's tiles to r's totals. */
void status_count(struct status_report *r, const struct job_scan *js);

/* status_age - "45s", "3m12s", "2h05m", "3d04h" into out[32]. */
void status_age(double seconds, char out[32]);

#endif
