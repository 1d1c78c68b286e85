/*
 * progress.h - a one-line progress display on stderr, only when stderr is
 * a terminal and -q was not given: "worker: 120/400 tiles, 85.2/s, ETA 3s".
 * TILESPOOL_PROGRESS=0 turns it off too: a batch draws one line for all
 * its images, not one per splitter and assembler.
 */
#ifndef TS_PROGRESS_H
#define TS_PROGRESS_H

#include <stdint.h>

struct progress {
    int active;               /* stderr is a tty and not quiet */
    const char *what;         /* "tiles", "rows" */
    uint64_t total;
    uint64_t base;            /* units done before this run: not in the rate */
    double start, last;
    char lead[64];            /* drawn before the count, e.g. "3/10 images, " */
};

/* progress_begin - start a display of `total` units; inactive when quiet. */
void progress_begin(struct progress *p, const char *what, uint64_t total, int quiet);

/* progress_rebase - units already done when the display began (a resumed
 * job): counted in the line, not in the rate. */
void progress_rebase(struct progress *p, uint64_t done);

/* progress_update - redraw (at most 10 times a second) with `done` units. */
void progress_update(struct progress *p, uint64_t done);

/* progress_end - clear the line. */
void progress_end(struct progress *p);

/* now_seconds - CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

#endif
