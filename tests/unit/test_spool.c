/*
 * test_spool.c - unit tests for the spool directory layer (spool.h).
 *
 * Paths and their length limit, job directories (create, remove), the
 * tmp + rename publication of files (nothing under the final name before
 * the commit, a complete file after, tmp/ empty), renames that lose a
 * race, listings and counts, log appends, job id and node id checks.
 * Fault injection is checked by re-running this program in a child with
 * TILESPOOL_CRASH_AT=N for every N over a fixed sequence of spool
 * operations: the child must die of SIGKILL with exactly N-1 of them
 * done.  Everything lives in a private temporary directory, removed at
 * the end.
 */
#include "spool.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[256];
static char err[ERR_MAX];

/* tpath - top/rel into a static buffer (4 deep). */
static const char *tpath(const char *fmt, const char *a, const char *b)
{
    static char buf[4][PATH_MAX];
    static int next;
    char rel[1024];

    next = (next + 1) % 4;
    snprintf(rel, sizeof rel, fmt, a ? a : "", b ? b : "");
    snprintf(buf[next], sizeof buf[next], "%s/%.1000s", top, rel);
    return buf[next];
}

/* keep - copy a tpath result into a caller's buffer (PATH_MAX). */
static char *keep(char *out, const char *path)
{
    snprintf(out, PATH_MAX, "%s", path);
    return out;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* write_file - create path holding s; returns 0 or -1. */
static int write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(s, f);
    return fclose(f);
}

/* slurp - content of path into buf (n bytes max); returns length or -1. */
static long slurp(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t k = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[k] = '\0';
    return (long)k;
}

static void test_path(void)
{
    char out[PATH_MAX], dir[PATH_MAX];

    int rc = spool_path(out, "/s/j", "tiles", NULL, err);
    CHECK(rc == 0 && strcmp(out, "/s/j/tiles") == 0, "spool_path dir/a", "rc %d out '%s'", rc,
          out);
    rc = spool_path(out, "/s/j", "tiles", "r0c0.ppm", err);
    CHECK(rc == 0 && strcmp(out, "/s/j/tiles/r0c0.ppm") == 0, "spool_path dir/a/b",
          "rc %d out '%s'", rc, out);

    /* "dir/a" of exactly PATH_MAX - 1 characters fits, one more does not */
    memset(dir, 'd', PATH_MAX - 3);
    dir[PATH_MAX - 3] = '\0';
    rc = spool_path(out, dir, "a", NULL, err);
    CHECK(rc == 0 && strlen(out) == PATH_MAX - 1, "spool_path longest that fits",
          "rc %d len %zu", rc, strlen(out));
    err[0] = '\0';
    rc = spool_path(out, dir, "ab", NULL, err);
    CHECK(rc == -1 && err[0] != '\0', "spool_path overflow", "rc %d", rc);
    err[0] = '\0';
    rc = spool_path(out, "/s", dir, "x", err);
    CHECK(rc == -1 && err[0] != '\0', "spool_path overflow with b", "rc %d", rc);
    /* the message must say why even though the path does not fit in it */
    CHECK(rc == -1 && strstr(err, "path too long"), "spool_path overflow message says why",
          "err (%zu chars) ends '...%s'", strlen(err), err + (strlen(err) > 40 ? strlen(err) - 40 : 0));
}

static void test_job_create_remove(void)
{
    static const char *subs[] = {"tmp", "tiles", "claimed", "done", "out", "failed"};
    char spool[PATH_MAX], jobdir[PATH_MAX];
    keep(spool, tpath("spool1", NULL, NULL));
    int rc = spool_job_create(spool, "job1", err);
    int all = rc == 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        all &= is_dir(tpath("spool1/job1/%s", subs[i], NULL));
    CHECK(all, "spool_job_create makes the spool, the job and all subdirs", "rc %d err '%s'",
          rc, err);
    write_file(tpath("spool1/job1/tiles/keep.ppm", NULL, NULL), "k");
    rc = spool_job_create(spool, "job1", err);
    CHECK(rc == 0 && is_dir(tpath("spool1/job1/failed", NULL, NULL)) &&
              exists(tpath("spool1/job1/tiles/keep.ppm", NULL, NULL)),
          "spool_job_create on an existing job keeps it", "rc %d err '%s'", rc, err);
    unlink(tpath("spool1/job1/tiles/keep.ppm", NULL, NULL));

    write_file(tpath("plainfile", NULL, NULL), "x");
    err[0] = '\0';
    rc = spool_job_create(tpath("plainfile", NULL, NULL), "j", err);
    CHECK(rc == -1 && strstr(err, "plainfile"), "spool_job_create under a file fails",
          "rc %d err '%s'", rc, err);

    /* fill every place the protocol puts files, then remove the job */
    keep(jobdir, tpath("spool1/job1", NULL, NULL));
    int ok = 1;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        ok &= write_file(tpath("spool1/job1/%s/r0c0.ppm", subs[i], NULL), "a") == 0;
        ok &= write_file(tpath("spool1/job1/%s/.hidden", subs[i], NULL), "a") == 0;
    }
    ok &= write_file(tpath("spool1/job1/claimed/r0c1.ppm@node.12", NULL, NULL), "b") == 0;
    ok &= write_file(tpath("spool1/job1/failed/r0c0.ppm.json", NULL, NULL), "{}") == 0;
    ok &= write_file(tpath("spool1/job1/job.json", NULL, NULL), "{}") == 0;
    ok &= write_file(tpath("spool1/job1/log", NULL, NULL), "line\n") == 0;
    ok &= write_file(tpath("spool1/job1/report.html", NULL, NULL), "<p>") == 0;
    ok &= mkdir(tpath("spool1/job1/stats", NULL, NULL), 0777) == 0;
    ok &= write_file(tpath("spool1/job1/stats/s1", NULL, NULL), "1") == 0;
    CHECK(ok, "fill a job", "setup failed");

    /* dot files are not the protocol's: the job stays (and says why) */
    rc = spool_job_remove(jobdir, err);
    CHECK(rc == -1 && exists(jobdir), "spool_job_remove refuses a dir with foreign dot files",
          "rc %d err '%s'", rc, err);
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        unlink(tpath("spool1/job1/%s/.hidden", subs[i], NULL));
    rc = spool_job_remove(jobdir, err);
    CHECK(rc == 0 && !exists(jobdir) && is_dir(spool),
          "spool_job_remove removes the job and only it", "rc %d err '%s'", rc, err);
    rc = spool_job_remove(jobdir, err);
    CHECK(rc == 0 && !exists(jobdir) && is_dir(spool), "spool_job_remove of a job already gone",
          "rc %d err '%s'", rc, err);

    /* an incomplete job (some subdirectories missing) goes too */
    spool_job_create(spool, "job2", err);
    rmdir(tpath("spool1/job2/failed", NULL, NULL));
    rmdir(tpath("spool1/job2/out", NULL, NULL));
    rc = spool_job_remove(tpath("spool1/job2", NULL, NULL), err);
    CHECK(rc == 0 && !exists(tpath("spool1/job2", NULL, NULL)),
          "spool_job_remove of an incomplete job", "rc %d err '%s'", rc, err);

    /* an unexpected file: refused with a message */
    spool_job_create(spool, "job3", err);
    write_file(tpath("spool1/job3/notes.txt", NULL, NULL), "mine");
    err[0] = '\0';
    rc = spool_job_remove(tpath("spool1/job3", NULL, NULL), err);
    CHECK(rc == -1 && strstr(err, "unexpected") &&
              exists(tpath("spool1/job3/notes.txt", NULL, NULL)),
          "spool_job_remove keeps unexpected files", "rc %d err '%s'", rc, err);
}

static void test_file(void)
{
    char spool[PATH_MAX], jobdir[PATH_MAX], final[PATH_MAX], tmpdir[PATH_MAX], outp[PATH_MAX];
    keep(spool, tpath("spool2", NULL, NULL));
    keep(jobdir, tpath("spool2/j", NULL, NULL));
    keep(final, tpath("spool2/j/tiles/r0c0.ppm", NULL, NULL));
    keep(tmpdir, tpath("spool2/j/tmp", NULL, NULL));
    struct spool_file sf;
    static char data[200000], back[200001];

    spool_job_create(spool, "j", err);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    int rc = spool_file_begin(&sf, jobdir, "tiles", "r0c0.ppm", err);
    CHECK(rc == 0 && sf.f != NULL && strcmp(sf.final, final) == 0,
          "spool_file_begin", "rc %d err '%s' final '%s'", rc, err, sf.final);
    if (rc != 0)
        return;
    CHECK(strncmp(sf.tmp, tmpdir, strlen(tmpdir)) == 0 && sf.tmp[strlen(tmpdir)] == '/' &&
              exists(sf.tmp),
          "the temporary is in tmp/", "tmp '%s'", sf.tmp);
    fwrite(data, 1, sizeof data, sf.f);
    fflush(sf.f);
    CHECK(!exists(final) && spool_count(tpath("spool2/j/tiles", NULL, NULL)) == 0,
          "nothing under the final name before commit", "final exists %d", exists(final));
    CHECK(spool_count(tmpdir) == 1, "one file in tmp/ before commit", "%d",
          spool_count(tmpdir));
    char tmpname[PATH_MAX];
    snprintf(tmpname, sizeof tmpname, "%s", sf.tmp);
    rc = spool_file_commit(&sf, err);
    long n = slurp(final, back, sizeof back);
    CHECK(rc == 0 && n == (long)sizeof data && memcmp(back, data, sizeof data) == 0,
          "commit publishes the complete file", "rc %d err '%s' length %ld", rc, err, n);
    CHECK(spool_count(tmpdir) == 0 && !exists(tmpname) && sf.f == NULL,
          "tmp/ is empty after commit", "%d entries", spool_count(tmpdir));

    /* sub NULL: the file goes in the job directory itself */
    rc = spool_file_begin(&sf, jobdir, NULL, "job.json", err);
    if (rc == 0) {
        fputs("{}\n", sf.f);
        rc = spool_file_commit(&sf, err);
    }
    n = slurp(tpath("spool2/j/job.json", NULL, NULL), back, sizeof back);
    CHECK(rc == 0 && n == 3 && strcmp(back, "{}\n") == 0, "begin with sub NULL",
          "rc %d err '%s'", rc, err);

    /* two files of one name being written at once get distinct temporaries */
    struct spool_file a, b;
    int ra = spool_file_begin(&a, jobdir, "out", "x", err);
    int rb = spool_file_begin(&b, jobdir, "out", "x", err);
    CHECK(ra == 0 && rb == 0 && strcmp(a.tmp, b.tmp) != 0, "distinct temporaries",
          "ra %d rb %d '%s' '%s'", ra, rb, a.tmp, b.tmp);
    if (ra == 0)
        spool_file_abort(&a);
    if (rb == 0)
        spool_file_abort(&b);

    /* abort */
    rc = spool_file_begin(&sf, jobdir, "out", "r0c0.ppm", err);
    if (rc == 0) {
        snprintf(tmpname, sizeof tmpname, "%s", sf.tmp);
        fputs("partial", sf.f);
        spool_file_abort(&sf);
    }
    CHECK(rc == 0 && !exists(tmpname) && spool_count(tmpdir) == 0 &&
              !exists(tpath("spool2/j/out/r0c0.ppm", NULL, NULL)) && sf.f == NULL,
          "spool_file_abort removes the temporary", "rc %d tmp exists %d", rc,
          exists(tmpname));
    spool_file_abort(&sf);
    CHECK(spool_count(tmpdir) == 0 && sf.f == NULL && sf.tmp[0] == '\0',
          "spool_file_abort twice", "%d", spool_count(tmpdir));

    /* begin in a job without tmp/ fails */
    err[0] = '\0';
    rc = spool_file_begin(&sf, tpath("spool2/nojob", NULL, NULL), "out", "t", err);
    CHECK(rc == -1 && strstr(err, "nojob"), "spool_file_begin without tmp/",
          "rc %d err '%s'", rc, err);

    /* commit into a directory that is gone: an error, and no temporary left */
    rc = spool_file_begin(&sf, jobdir, "nosuchdir", "t", err);
    if (rc == 0) {
        fputs("data", sf.f);
        err[0] = '\0';
        rc = spool_file_commit(&sf, err);
        CHECK(rc == -1 && err[0] != '\0' && spool_count(tmpdir) == 0,
              "commit into a missing directory fails and cleans up", "rc %d err '%s' tmp %d",
              rc, err, spool_count(tmpdir));
    } else {
        CHECK(0, "commit into a missing directory fails and cleans up", "begin: %s", err);
    }

    /* durable commit gives the same result */
    spool_set_durable(1);
    rc = spool_file_begin(&sf, jobdir, "done", "d.ppm", err);
    if (rc == 0) {
        fputs("durable", sf.f);
        rc = spool_file_commit(&sf, err);
    }
    spool_set_durable(0);
    n = slurp(tpath("spool2/j/done/d.ppm", NULL, NULL), back, sizeof back);
    CHECK(rc == 0 && n == 7 && strcmp(back, "durable") == 0 && spool_count(tmpdir) == 0,
          "durable commit", "rc %d err '%s'", rc, err);

    /* begin_at: hidden temporary beside the final path */
    keep(outp, tpath("spool2/result.png", NULL, NULL));
    rc = spool_file_begin_at(&sf, outp, err);
    if (rc == 0) {
        const char *base = strrchr(sf.tmp, '/');
        char **names;
        int cnt = spool_list(tpath("spool2", NULL, NULL), &names, err);
        int listed = 0;
        for (int i = 0; i < cnt; i++)
            listed |= strstr(names[i], "result") != NULL;
        free(names);
        CHECK(base && base[1] == '.' && strncmp(sf.tmp, spool, strlen(spool)) == 0 &&
                  base == sf.tmp + strlen(spool) && !listed && !exists(outp),
              "begin_at: hidden temporary in the same directory", "tmp '%s' listed %d",
              sf.tmp, listed);
        snprintf(tmpname, sizeof tmpname, "%s", sf.tmp);
        fputs("png!", sf.f);
        rc = spool_file_commit(&sf, err);
        n = slurp(outp, back, sizeof back);
        CHECK(rc == 0 && n == 4 && !exists(tmpname), "begin_at commit", "rc %d err '%s'", rc,
              err);
    } else {
        CHECK(0, "begin_at", "err '%s'", err);
    }
    rm_rf(spool);
}

static void test_rename_unlink(void)
{
    char d[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    keep(d, tpath("ren", NULL, NULL));
    keep(a, tpath("ren/a", NULL, NULL));
    keep(b, tpath("ren/b", NULL, NULL));
    mkdir(d, 0777);
    write_file(a, "A");

    int rc = spool_rename(a, b, err);
    CHECK(rc == 0 && !exists(a) && exists(b), "spool_rename moves", "rc %d err '%s'", rc, err);
    rc = spool_rename(a, b, err);
    CHECK(rc == 1 && exists(b), "spool_rename of a vanished file returns 1", "rc %d", rc);

    /* onto a non-empty directory: a real error, not a lost race */
    mkdir(tpath("ren/full", NULL, NULL), 0777);
    write_file(tpath("ren/full/x", NULL, NULL), "x");
    err[0] = '\0';
    rc = spool_rename(b, tpath("ren/full", NULL, NULL), err);
    CHECK(rc == -1 && strstr(err, "rename") && exists(b), "spool_rename error is -1",
          "rc %d err '%s'", rc, err);

    /* `from` is there, the target's directory is not: that is no lost race
     * (spool.h: 1 only "if `from` vanished") */
    err[0] = '\0';
    rc = spool_rename(b, tpath("ren/nodir/b", NULL, NULL), err);
    CHECK(rc == -1 && err[0] != '\0' && exists(b),
          "spool_rename into a missing directory is an error, not 'vanished'",
          "rc %d (1 = reported as lost race) err '%s', source still exists: %d", rc, err,
          exists(b));

    rc = spool_unlink(b, err);
    CHECK(rc == 0 && !exists(b), "spool_unlink removes", "rc %d err '%s'", rc, err);
    rc = spool_unlink(b, err);
    CHECK(rc == 0, "spool_unlink of a missing file is success", "rc %d err '%s'", rc, err);
    err[0] = '\0';
    rc = spool_unlink(tpath("ren/full", NULL, NULL), err);
    CHECK(rc == -1 && strstr(err, "unlink"), "spool_unlink of a directory fails",
          "rc %d err '%s'", rc, err);
    rm_rf(d);
}

static void test_list_count(void)
{
    static const char *files[] = {"b", "a", "c10", "c9", "C", ".hidden", "..x", "r0c0.ppm"};
    static const char *sorted[] = {"C", "a", "b", "c10", "c9", "r0c0.ppm"};
    char d[PATH_MAX], big[PATH_MAX];
    keep(d, tpath("list", NULL, NULL));
    char **names = NULL;

    mkdir(d, 0777);
    int n = spool_list(d, &names, err);
    CHECK(n == 0, "spool_list of an empty dir", "n %d", n);
    free(names);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        write_file(tpath("list/%s", files[i], NULL), "");
    mkdir(tpath("list/sub", NULL, NULL), 0777);
    n = spool_list(d, &names, err);
    int ok = n == 7;
    for (int i = 0; ok && i < 6; i++)
        ok = strcmp(names[i], sorted[i]) == 0;
    ok = ok && strcmp(names[6], "sub") == 0;
    CHECK(ok, "spool_list sorted, dot files skipped", "n %d first '%s'", n,
          n > 0 ? names[0] : "");
    free(names);

    static char *dummy[1];
    names = dummy;
    n = spool_list(tpath("list/missing", NULL, NULL), &names, err);
    CHECK(n == 0 && names == NULL, "spool_list of a missing dir is empty", "n %d", n);
    err[0] = '\0';
    n = spool_list(tpath("list/b", NULL, NULL), &names, err);
    CHECK(n == -1 && strstr(err, "list/b"), "spool_list of a file fails", "n %d err '%s'", n,
          err);

    CHECK(spool_count(d) == 7, "spool_count skips dot files", "%d", spool_count(d));
    CHECK(spool_count(tpath("list/missing", NULL, NULL)) == 0, "spool_count of a missing dir",
          "%d", spool_count(tpath("list/missing", NULL, NULL)));
    CHECK(spool_count(tpath("list/b", NULL, NULL)) == -1, "spool_count of a file", "%d",
          spool_count(tpath("list/b", NULL, NULL)));

    /* many long names: the pool grows, order and content survive */
    keep(big, tpath("biglist", NULL, NULL));
    mkdir(big, 0777);
    char name[200];
    for (int i = 499; i >= 0; i--) {
        snprintf(name, sizeof name, "biglist/%04d-%0150d", i, i);
        write_file(tpath("%s", name, NULL), "");
    }
    n = spool_list(big, &names, err);
    ok = n == 500;
    for (int i = 0; ok && i < n; i++) {
        snprintf(name, sizeof name, "%04d-%0150d", i, i);
        ok = strcmp(names[i], name) == 0;
    }
    CHECK(ok, "spool_list of 500 long names", "n %d", n);
    free(names);
    rm_rf(big);
    rm_rf(d);
}

static void test_append(void)
{
    char log[PATH_MAX];
    keep(log, tpath("log", NULL, NULL));
    char buf[256];

    int rc = spool_append_line(log, "r0c0.ppm pid=1 ok\n", err);
    rc |= spool_append_line(log, "r0c1.ppm pid=2 failed\n", err);
    long n = slurp(log, buf, sizeof buf);
    CHECK(rc == 0 && n > 0 && strcmp(buf, "r0c0.ppm pid=1 ok\nr0c1.ppm pid=2 failed\n") == 0,
          "spool_append_line creates and appends", "rc %d content '%s'", rc, buf);
    err[0] = '\0';
    rc = spool_append_line(tpath("nodir/log", NULL, NULL), "x\n", err);
    CHECK(rc == -1 && strstr(err, "nodir/log"), "spool_append_line in a missing dir",
          "rc %d err '%s'", rc, err);
    unlink(log);
}

static void test_ids(void)
{
    static const char *good[] = {"20250101T000000Z-img-0123abcd", "a", "A.b_c-1", "x..y", "9"};
    static const char *bad[] = {"", ".", "..", ".x", "a/b", "/a", "a b", "a@b", "a:b",
                                "a\\b", "\xc3\xa9", "a\n"};
    int ok = 1;
    char id[SPOOL_JOB_ID_MAX + 1];

    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!manifest_job_id_ok(good[i])) {
            ok = 0;
            CHECK(0, "manifest_job_id_ok accepts", "'%s'", good[i]);
        }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (manifest_job_id_ok(bad[i])) {
            ok = 0;
            CHECK(0, "manifest_job_id_ok refuses", "'%s'", bad[i]);
        }
    CHECK(ok, "manifest_job_id_ok good and bad ids", "see above");
    memset(id, 'j', SPOOL_JOB_ID_MAX - 1);
    id[SPOOL_JOB_ID_MAX - 1] = '\0';
    int at_max = manifest_job_id_ok(id);
    id[SPOOL_JOB_ID_MAX - 1] = 'j';
    id[SPOOL_JOB_ID_MAX] = '\0';
    CHECK(at_max && !manifest_job_id_ok(id), "manifest_job_id_ok length limit", "95: %d 96: %d",
          at_max, manifest_job_id_ok(id));

    /* spool_node is computed once per process: ask a fresh child */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("TILESPOOL_NODE", "my/host@x.y", 1);
        const char *node = spool_node();
        int good_node = strcmp(node, "my_host_x_y") == 0 && spool_node() == node;
        _exit(good_node ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "spool_node makes $TILESPOOL_NODE a safe name", "status %d", status);
    pid = fork();
    if (pid == 0) {
        unsetenv("TILESPOOL_NODE");
        const char *node = spool_node();
        _exit(node[0] && !strpbrk(node, "/@.") ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "spool_node from the host name",
          "status %d", status);
}

/*
 * The operations the crash child runs, in order: 8 mkdirs, 3 appends,
 * begin (create), commit (write-out, rename), rename, unlink: 16.
 */
#define CRASH_OPS 16

/* crash_child - run the sequence in spool dir s; returns the exit status. */
static int crash_child(const char *s)
{
    char job[PATH_MAX], log[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
    struct spool_file sf;

    if (spool_job_create(s, "j", err) < 0)                         /* 1-8 */
        return 10;
    snprintf(job, sizeof job, "%.3000s/j", s);
    snprintf(log, sizeof log, "%.3000s/log", job);
    for (int i = 0; i < 3; i++)                                    /* 9-11 */
        if (spool_append_line(log, "line\n", err) < 0)
            return 11;
    if (spool_file_begin(&sf, job, "out", "t.ppm", err) < 0)      /* 12 */
        return 12;
    fputs("hello", sf.f);
    if (spool_file_commit(&sf, err) < 0)                           /* 13-14 */
        return 13;
    snprintf(from, sizeof from, "%.3000s/out/t.ppm", job);
    snprintf(to, sizeof to, "%.3000s/done/t.ppm", job);
    if (spool_rename(from, to, err) != 0)                          /* 15 */
        return 15;
    if (spool_unlink(to, err) < 0)                                 /* 16 */
        return 16;
    return 0;
}

/* run_crash - run the crash child with TILESPOOL_CRASH_AT=value; returns
 * its wait status. */
static int run_crash(const char *value, const char *spooldir)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (value)
            setenv("TILESPOOL_CRASH_AT", value, 1);
        execl("/proc/self/exe", "test_spool", "--crash-child", spooldir, (char *)NULL);
        _exit(127);
    }
    int status = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

static void test_crash(void)
{
    static const char *dirs[] = {"", "/j", "/j/tmp", "/j/tiles", "/j/claimed", "/j/done",
                                 "/j/out", "/j/failed"};
    char spooldir[300], p[PATH_MAX], value[16], buf[64];

    snprintf(spooldir, sizeof spooldir, "%s/crash", top);
    for (int n = 1; n <= CRASH_OPS + 1; n++) {
        rm_rf(spooldir);
        snprintf(value, sizeof value, "%d", n);
        int status = run_crash(value, spooldir);
        int done = n - 1;   /* operations that must have taken effect */
        char name[64];
        snprintf(name, sizeof name, "TILESPOOL_CRASH_AT=%d", n);

        int made = 0;
        while (made < 8) {
            snprintf(p, sizeof p, "%s%s", spooldir, dirs[made]);
            if (!is_dir(p))
                break;
            made++;
        }
        int extra = 0;   /* dirs beyond the prefix would mean reordering */
        for (int i = made + 1; i < 8; i++) {
            snprintf(p, sizeof p, "%s%s", spooldir, dirs[i]);
            extra += is_dir(p);
        }
        snprintf(p, sizeof p, "%s/j/log", spooldir);
        long len = slurp(p, buf, sizeof buf);
        int lines = len < 0 ? 0 : (int)(len / 5);
        snprintf(p, sizeof p, "%s/j/tmp", spooldir);
        int tmp = spool_count(p);
        snprintf(p, sizeof p, "%s/j/out/t.ppm", spooldir);
        long outlen = slurp(p, buf, sizeof buf);
        snprintf(p, sizeof p, "%s/j/done/t.ppm", spooldir);
        int in_done = exists(p);

        int want_made = done < 8 ? done : 8;
        int want_lines = done <= 8 ? 0 : done >= 11 ? 3 : done - 8;
        int want_tmp = done == 12 || done == 13;
        int want_out = done == 14;
        int want_done = done == 15;
        int killed = n <= CRASH_OPS ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
                                    : WIFEXITED(status) && WEXITSTATUS(status) == 0;
        CHECK(killed && made == want_made && extra == 0 && lines == want_lines &&
                  tmp == want_tmp && (want_out ? outlen == 5 : outlen < 0) &&
                  in_done == want_done,
              name,
              "status 0x%x; dirs %d/%d extra %d, log lines %d/%d, tmp %d/%d, out %ld/%d, "
              "done %d/%d",
              status, made, want_made, extra, lines, want_lines, tmp, want_tmp, outlen,
              want_out, in_done, want_done);
    }
    rm_rf(spooldir);
    int status = run_crash("0", spooldir);
    snprintf(p, sizeof p, "%s/j/log", spooldir);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && slurp(p, buf, sizeof buf) == 15,
          "TILESPOOL_CRASH_AT=0 is off", "status 0x%x", status);
    rm_rf(spooldir);
    status = run_crash(NULL, spooldir);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && slurp(p, buf, sizeof buf) == 15,
          "no TILESPOOL_CRASH_AT", "status 0x%x", status);
    rm_rf(spooldir);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--crash-child") == 0)
        return crash_child(argv[2]);
    unsetenv("TILESPOOL_CRASH_AT");

    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%.200s/test_spool.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    test_path();
    test_job_create_remove();
    test_file();
    test_rename_unlink();
    test_list_count();
    test_append();
    test_ids();
    test_crash();
    CHECK(rm_rf(top) == 0 && !exists(top), "temporary directory removed", "%s", top);
    CHECK_DONE();
}
