/*
 * joblog.h - writing and reading a job's log (SPOOL/<job>/log,
 * docs/spool.md "The log"): one line per settled tile,
 *
 *     r03c07.ppm pid=4711 end=1763702194.532 ms=1.874 peak_rss_kb=1820 ok
 *
 * A tile may have several lines (requeued after its child died); the last
 * one is its settlement.  The log is appended to while it is read: a line
 * cut short at the end is not yet written, and is left out.  Every line
 * is written by joblog_append, with a single write(2), so that lines of
 * concurrent processes never interleave.
 */
#ifndef TS_JOBLOG_H
#define TS_JOBLOG_H

#include "spool.h"

struct log_entry {
    char tile[SPOOL_TILE_NAME_MAX];
    long pid;
    double end;              /* seconds since the epoch */
    double ms;               /* claim to settlement */
    long peak_kb;
    char result[16];         /* ok analyzed failed trap spool timeout signal requeued */
};

struct job_log {
    struct log_entry *e;
    int n;
    int bad;                 /* complete lines that did not parse */
    double busy_ms;          /* sum of ms */
    double first, last;      /* earliest start, latest end (epoch seconds) */
    long peak_kb;            /* largest peak_rss_kb */
};

/* joblog_append - append tile's line to jobdir/log: pid, the time now,
 * ms from claim to settlement, peak_kb, result.  Returns 0 or -1. */
int joblog_append(const char *jobdir, const char *tile, long pid, double ms, long peak_kb,
                  const char *result, char *err);

/* joblog_open - jobdir/log opened for appending (created if missing), for
 * a process that settles many tiles of the job; returns the descriptor
 * or -1 with err. */
int joblog_open(const char *jobdir, char *err);

/* joblog_append_fd - joblog_append's line, written to fd from joblog_open
 * with the same single write(2).  Returns 0 or -1. */
int joblog_append_fd(int fd, const char *tile, long pid, double ms, long peak_kb,
                     const char *result, char *err);

/* joblog_read - read jobdir/log into l (a missing log is empty).
 * Returns 0 or -1 with err; call joblog_free afterwards either way. */
int joblog_read(const char *jobdir, struct job_log *l, char *err);

/* joblog_parse_line - one line (without '\n') into e; returns 0 or -1. */
int joblog_parse_line(const char *line, struct log_entry *e);

/* joblog_free - release l's entries; safe twice. */
void joblog_free(struct job_log *l);

#endif
