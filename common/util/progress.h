/*
 * progress.h - a one-line progress display on stderr, only when stderr is
 * a terminal and -q was not given: "worker: 120/400 tiles, 85.2/s, ETA 3s".
 */
#ifndef TS_PROGRESS_H
#define TS_PROGRESS_H

#include <stdint.h>

struct progress {
    int active;               /* stderr is a tty and not quiet */
    const char *what;         /* "tiles", "rows" */
    uint64_t total;
    double start, last;
};

/* progress_begin - start a display of `total` units; inactive when quiet. */
void progress_begin(struct progress *p, const char *what, uint64_t total, int quiet);

/* progress_update - redraw (at most 10 times a second) with `done` units. */
void progress_update(struct progress *p, uint64_t done);

/* progress_end - clear the line. */
void progress_end(struct progress *p);

/* now_seconds - CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

#endif
