/*
 * progress.c - the terminal progress line (progress.h).
 */
#include "progress.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_begin(struct progress *p, const char *what, uint64_t total, int quiet)
{
    const char *env = getenv("TILESPOOL_PROGRESS");
    p->active = !quiet && isatty(2) && !(env && strcmp(env, "0") == 0);
    p->what = what;
    p->total = total;
    p->base = 0;
    p->lead[0] = '\0';
    p->start = now_seconds();
    p->last = 0;
}

void progress_rebase(struct progress *p, uint64_t done)
{
    p->base = done;
}

void progress_update(struct progress *p, uint64_t done)
{
    if (!p->active)
        return;
    double t = now_seconds();
    if (t - p->last < 0.1 && done < p->total)
        return;
    p->last = t;
    uint64_t fresh = done > p->base ? done - p->base : 0;
    double rate = t > p->start ? (double)fresh / (t - p->start) : 0;
    double eta = rate > 0 && done < p->total ? (double)(p->total - done) / rate : 0;
    fprintf(stderr, "\r%s: %s%llu/%llu %s, %.1f/s, ETA %.0fs\033[K", msg_program(), p->lead,
            (unsigned long long)done, (unsigned long long)p->total, p->what, rate, eta);
}

void progress_end(struct progress *p)
{
    if (p->active)
        fprintf(stderr, "\r\033[K");
}
