/*
 * joblog.c - append to and parse a job's log of settled tiles (joblog.h).
 */
#include "joblog.h"
#include "err.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* format_line - tile's log line, with the time now, into line (n bytes). */
static void format_line(char *line, size_t n, const char *tile, long pid, double ms,
                        long peak_kb, const char *result)
{
    struct timespec now;
    assert(strlen(tile) < SPOOL_TILE_NAME_MAX);
    assert(strlen(result) < sizeof((struct log_entry *)0)->result);
    assert(ms >= 0 && peak_kb >= 0);
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(line, n, "%s pid=%ld end=%lld.%03ld ms=%.3f peak_rss_kb=%ld %s\n", tile, pid,
             (long long)now.tv_sec, now.tv_nsec / 1000000, ms, peak_kb, result);
}

int joblog_append(const char *jobdir, const char *tile, long pid, double ms, long peak_kb,
                  const char *result, char *err)
{
    char path[PATH_MAX], line[256];
    format_line(line, sizeof line, tile, pid, ms, peak_kb, result);
    if (spool_path(path, jobdir, SPOOL_LOG, NULL, err) < 0)
        return -1;
    return spool_append_line(path, line, err);
}

int joblog_open(const char *jobdir, char *err)
{
    char path[PATH_MAX];
    if (spool_path(path, jobdir, SPOOL_LOG, NULL, err) < 0)
        return -1;
    return spool_open(path, O_WRONLY | O_APPEND | O_CREAT, err);
}

int joblog_append_fd(int fd, const char *tile, long pid, double ms, long peak_kb,
                     const char *result, char *err)
{
    char line[256];
    assert(fd >= 0);
    format_line(line, sizeof line, tile, pid, ms, peak_kb, result);
    spool_fault_point();    /* where spool_append_line has its own */
    size_t len = strlen(line);
    if (write(fd, line, len) != (ssize_t)len)
        return errf_sys(err, "log: append");
    return 0;
}

int joblog_parse_line(const char *line, struct log_entry *e)
{
    char tile[SPOOL_TILE_NAME_MAX], result[16];
    int used = 0;
    memset(e, 0, sizeof *e);
    if (sscanf(line, "%63s pid=%ld end=%lf ms=%lf peak_rss_kb=%ld %15s%n", tile, &e->pid, &e->end,
               &e->ms, &e->peak_kb, result, &used) != 6 ||
        line[used] != '\0')
        return -1;
    memcpy(e->tile, tile, sizeof tile);
    memcpy(e->result, result, sizeof result);
    return 0;
}

/* add_entry - append e to l, updating the totals; returns 0 or -1. */
static int add_entry(struct job_log *l, const struct log_entry *e, int *cap)
{
    if (l->n == *cap) {
        int ncap = *cap ? *cap * 2 : 256;
        struct log_entry *p = realloc(l->e, (size_t)ncap * sizeof *p);
        if (!p)
            return -1;
        l->e = p;
        *cap = ncap;
    }
    l->e[l->n++] = *e;
    double start = e->end - e->ms / 1e3;
    if (l->n == 1 || start < l->first)
        l->first = start;
    if (e->end > l->last)
        l->last = e->end;
    l->busy_ms += e->ms;
    if (e->peak_kb > l->peak_kb)
        l->peak_kb = e->peak_kb;
    return 0;
}

int joblog_read(const char *jobdir, struct job_log *l, char *err)
{
    char path[PATH_MAX], line[512];
    int cap = 0, rc = 0;
    memset(l, 0, sizeof *l);
    if (spool_path(path, jobdir, SPOOL_LOG, NULL, err) < 0)
        return -1;
    FILE *f = spool_fopen(path, err);
    if (!f)
        return errno == ENOENT ? 0 : -1;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        struct log_entry e;
        if (len == 0 || line[len - 1] != '\n') {
            if (len == sizeof line - 1) {
                l->bad++;    /* overlong: skip the rest of it */
                int ch;
                while ((ch = getc(f)) != EOF && ch != '\n')
                    ;
            }
            continue;        /* else the last line, still being written */
        }
        line[len - 1] = '\0';
        if (joblog_parse_line(line, &e) < 0)
            l->bad++;
        else if (add_entry(l, &e, &cap) < 0)
            rc = errf(err, "%s: out of memory", path);
    }
    if (rc == 0 && ferror(f))
        rc = errf_sys(err, "%s: read", path);
    fclose(f);
    return rc;
}

void joblog_free(struct job_log *l)
{
    free(l->e);
    l->e = NULL;
    l->n = 0;
}
