/*
 * status.h - the parts of the status program: the scan of the spool it
 * prints (main.c), the text listing (text.c) and the JSON (json.c).
 */
#ifndef TS_STATUS_H
#define TS_STATUS_H

#include "jobscan.h"

#define STATUS_JSON_VERSION 1

struct status_report {
    const char *spool;
    struct job_scan *jobs;
    int njobs;
};

/* status_text - the mailq-like listing of r on f. */
void status_text(FILE *f, const struct status_report *r);

/* status_json - r as the documented JSON (docs/cli.md) on f; returns 0,
 * or -1 with err when it cannot be built (out of memory). */
int status_json(FILE *f, const struct status_report *r, char *err);

/* status_age - "45s", "3m12s", "2h05m", "3d04h" into out[32]. */
void status_age(double seconds, char out[32]);

#endif
