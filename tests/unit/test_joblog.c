/*
 * test_joblog.c - unit tests for a job's log (joblog.h): the line format
 * of docs/spool.md, lines that do not parse, a last line still being
 * written, a missing log, the totals, and that what joblog_append writes
 * reads back.
 */
#include "joblog.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <math.h>
#include <stdlib.h>

static char err[ERR_MAX];

/* write_log - dir/log with the given text; returns 0 or -1. */
static int write_log(const char *dir, const char *text)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/log", dir);
    FILE *f = fopen(p, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static void test_parse_line(void)
{
    struct log_entry e;
    int r = joblog_parse_line("r03c07.ppm pid=4711 end=1763702194.532 ms=1.874 "
                              "peak_rss_kb=1820 ok", &e);
    CHECK(r == 0 && strcmp(e.tile, "r03c07.ppm") == 0 && e.pid == 4711 &&
              fabs(e.end - 1763702194.532) < 1e-6 && fabs(e.ms - 1.874) < 1e-9 &&
              e.peak_kb == 1820 && strcmp(e.result, "ok") == 0,
          "parse: every field of a line", "r=%d tile=%s pid=%ld", r, e.tile, e.pid);
    static const char *bad[] = {
        "",
        "r0c0.ppm pid=1 end=2 ms=3 peak_rss_kb=4",              /* no result */
        "r0c0.ppm pid=x end=2 ms=3 peak_rss_kb=4 ok",           /* pid not a number */
        "r0c0.ppm pid=1 end=2 ms=3 peak_rss_kb=4 ok trailing",  /* extra word */
        "r0c0.ppm end=2 pid=1 ms=3 peak_rss_kb=4 ok",           /* fields swapped */
    };
    int rejected = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        rejected += joblog_parse_line(bad[i], &e) < 0;
    CHECK(rejected == (int)(sizeof bad / sizeof bad[0]), "parse: malformed lines refused",
          "%d of %zu refused", rejected, sizeof bad / sizeof bad[0]);
}

static void test_read(const char *dir)
{
    struct job_log l;
    int r = joblog_read(dir, &l, err);
    CHECK(r == 0 && l.n == 0 && l.bad == 0, "read: a missing log is empty", "r=%d n=%d %s", r,
          l.n, err);
    joblog_free(&l);

    write_log(dir, "r0c0.pgm pid=10 end=100.500 ms=500.000 peak_rss_kb=900 ok\n"
                   "garbage\n"
                   "r0c1.pgm pid=11 end=101.000 ms=250.000 peak_rss_kb=2000 trap\n"
                   "r0c0.pgm pid=12 end=102.000 ms=100.000 peak_rss_kb=1500 ok\n"
                   "r1c0.pgm pid=13 end=103.0");   /* being appended: not counted */
    r = joblog_read(dir, &l, err);
    CHECK(r == 0 && l.n == 3, "read: complete lines only", "r=%d n=%d %s", r, l.n, err);
    CHECK(l.bad == 1, "read: the garbage line counted as unreadable", "bad=%d", l.bad);
    CHECK(l.n == 3 && strcmp(l.e[1].tile, "r0c1.pgm") == 0 && strcmp(l.e[1].result, "trap") == 0,
          "read: entries in file order", "second: %s", l.n > 1 ? l.e[1].tile : "-");
    CHECK(fabs(l.busy_ms - 850.0) < 1e-6 && l.peak_kb == 2000,
          "read: busy time is the sum, peak RSS the largest", "busy=%f peak=%ld", l.busy_ms,
          l.peak_kb);
    CHECK(fabs(l.first - 100.0) < 1e-6 && fabs(l.last - 102.0) < 1e-6,
          "read: span from the earliest start to the latest end", "first=%f last=%f", l.first,
          l.last);
    joblog_free(&l);
    joblog_free(&l);
    CHECK(l.e == NULL && l.n == 0, "free: twice is safe", "n=%d", l.n);
}

static void test_append(const char *dir)
{
    struct job_log l;
    write_log(dir, "");
    int r = joblog_append(dir, "r2c3.ppm", 4711, 1.875, 1820, "analyzed", err);
    CHECK(r == 0, "append: written", "%s", err);
    r = joblog_read(dir, &l, err);
    CHECK(r == 0 && l.n == 1 && l.bad == 0 && strcmp(l.e[0].tile, "r2c3.ppm") == 0 &&
              l.e[0].pid == 4711 && fabs(l.e[0].ms - 1.875) < 1e-9 && l.e[0].peak_kb == 1820 &&
              strcmp(l.e[0].result, "analyzed") == 0 && l.e[0].end > 1e9,
          "append: the line reads back", "r=%d n=%d bad=%d", r, l.n, l.bad);
    joblog_free(&l);
}

int main(void)
{
    char dir[] = "/tmp/test_joblog.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_parse_line();
    test_read(dir);
    test_append(dir);
    rm_rf(dir);
    CHECK_DONE();
}
