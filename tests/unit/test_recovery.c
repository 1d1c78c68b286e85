/*
 * test_recovery.c - unit tests for what crash recovery rests on in the
 * spool layer (spool.h): temporaries named after their writer and removed
 * only when that writer is dead (spool_tmp_clean, spool_tmp_clean_at),
 * the lock a splitter holds on its job (spool_lock), and the aiming of
 * fault injection at one kind of process (TILESPOOL_CRASH_IN) or one
 * process only (TILESPOOL_CRASH_ONCE).  Everything lives in a private
 * temporary directory, removed at the end.
 */
#include "spool.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODE "unitnode"

static char top[256];
static char err[ERR_MAX];

static int exists(const char *dir, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%.3000s/%.900s", dir, name);
    return access(p, F_OK) == 0;
}

/* touch - create dir/name (empty). */
static void touch(const char *dir, const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%.3000s/%.900s", dir, name);
    FILE *f = fopen(p, "w");
    if (f)
        fclose(f);
}

/* sleep_ms - nanosleep for ms milliseconds. */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* dead_pid - the pid of a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

/* is_zombie - 1 once pid shows state Z in /proc. */
static int is_zombie(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] == 'Z';
}

static void test_tmp_names(const char *job)
{
    struct spool_file sf;
    char want[128];
    int rc = spool_file_begin(&sf, job, SPOOL_OUT, "r0c0.ppm", err);
    snprintf(want, sizeof want, "/tmp/r0c0.ppm@%s.%ld.", NODE, (long)getpid());
    CHECK(rc == 0 && strstr(sf.tmp, want) != NULL,
          "a temporary in tmp/ is named NAME@NODE.PID.SERIAL", "rc %d tmp '%s'", rc, sf.tmp);
    if (rc == 0)
        spool_file_abort(&sf);
    char final[PATH_MAX];
    snprintf(final, sizeof final, "%.3000s/result.png", top);
    rc = spool_file_begin_at(&sf, final, err);
    snprintf(want, sizeof want, "/.result.png.tmp@%s.%ld.", NODE, (long)getpid());
    CHECK(rc == 0 && strstr(sf.tmp, want) != NULL,
          "a temporary beside an output is named .NAME.tmp@NODE.PID.SERIAL", "rc %d tmp '%s'",
          rc, sf.tmp);
    if (rc == 0)
        spool_file_abort(&sf);
}

static void test_tmp_clean(const char *job)
{
    char tmp[PATH_MAX], name[128];
    snprintf(tmp, sizeof tmp, "%.3000s/tmp", job);
    pid_t dead = dead_pid();
    pid_t live = fork();
    if (live == 0) {
        pause();
        _exit(0);
    }
    pid_t zombie = fork();
    if (zombie == 0)
        _exit(0);
    for (int i = 0; i < 500 && !is_zombie(zombie); i++)
        sleep_ms(2);

    static const char *keep_names[] = {
        "f.ppm.%ld.5",              /* no writer in the name */
        "g.ppm@" NODE ".12x.6",     /* not a pid */
        "h.ppm@" NODE ".%ld.",      /* no serial */
        "i.ppm@" NODE ".%ld",       /* no serial at all */
        "j.ppm@" NODE "x.%ld.7",    /* another node whose name starts like ours */
    };
    for (size_t i = 0; i < sizeof keep_names / sizeof keep_names[0]; i++) {
        snprintf(name, sizeof name, keep_names[i], (long)dead);
        touch(tmp, name);
    }
    snprintf(name, sizeof name, "a.ppm@%s.%ld.0", NODE, (long)dead);
    touch(tmp, name);
    snprintf(name, sizeof name, "b.ppm@%s.%ld.1", NODE, (long)getpid());
    touch(tmp, name);
    snprintf(name, sizeof name, "c.ppm@%s.%ld.2", NODE, (long)live);
    touch(tmp, name);
    snprintf(name, sizeof name, "d.ppm@%s.%ld.3", NODE, (long)zombie);
    touch(tmp, name);
    snprintf(name, sizeof name, "e.ppm@other.%ld.4", (long)dead);
    touch(tmp, name);

    int removed = 0;
    int rc = spool_tmp_clean(job, &removed, err);
    CHECK(rc == 0 && removed == 2, "spool_tmp_clean removes two of them", "rc %d removed %d %s",
          rc, removed, rc ? err : "");
    snprintf(name, sizeof name, "a.ppm@%s.%ld.0", NODE, (long)dead);
    CHECK(!exists(tmp, name), "a dead writer's temporary is removed", "%s", name);
    snprintf(name, sizeof name, "d.ppm@%s.%ld.3", NODE, (long)zombie);
    CHECK(!exists(tmp, name), "a zombie writer's temporary is removed", "%s", name);
    snprintf(name, sizeof name, "b.ppm@%s.%ld.1", NODE, (long)getpid());
    CHECK(exists(tmp, name), "our own temporary is kept", "%s", name);
    snprintf(name, sizeof name, "c.ppm@%s.%ld.2", NODE, (long)live);
    CHECK(exists(tmp, name), "a live writer's temporary is kept", "%s", name);
    snprintf(name, sizeof name, "e.ppm@other.%ld.4", (long)dead);
    CHECK(exists(tmp, name), "another node's temporary is kept", "%s", name);
    int kept = 0;
    for (size_t i = 0; i < sizeof keep_names / sizeof keep_names[0]; i++) {
        snprintf(name, sizeof name, keep_names[i], (long)dead);
        kept += exists(tmp, name);
    }
    CHECK(kept == 5, "names that do not parse are kept", "%d of 5", kept);
    kill(live, SIGKILL);
    waitpid(live, NULL, 0);
    waitpid(zombie, NULL, 0);

    /* a job without tmp/ has nothing to clean */
    char nojob[PATH_MAX];
    snprintf(nojob, sizeof nojob, "%.3000s/nojob", top);
    removed = 0;
    CHECK(spool_tmp_clean(nojob, &removed, err) == 0 && removed == 0,
          "spool_tmp_clean of a job without tmp/", "%s", err);

    /* beside an output: only that output's temporaries */
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%.3000s/outdir", top);
    mkdir(out, 0777);
    snprintf(name, sizeof name, ".r.png.tmp@%s.%ld.0", NODE, (long)dead);
    touch(out, name);
    snprintf(name, sizeof name, ".s.png.tmp@%s.%ld.0", NODE, (long)dead);
    touch(out, name);
    touch(out, "r.png");
    char final[PATH_MAX];
    snprintf(final, sizeof final, "%.3000s/r.png", out);
    removed = 0;
    rc = spool_tmp_clean_at(final, &removed, err);
    snprintf(name, sizeof name, ".s.png.tmp@%s.%ld.0", NODE, (long)dead);
    CHECK(rc == 0 && removed == 1 && exists(out, name) && exists(out, "r.png"),
          "spool_tmp_clean_at removes the dead temporaries of that output only",
          "rc %d removed %d", rc, removed);
}

static void test_lock(const char *job)
{
    int fd, fd2;
    int r = spool_lock(job, 0, &fd, err);
    CHECK(r == 0 && fd >= 0, "spool_lock takes a free lock", "r %d %s", r, err);
    /* a forked child shares the parent's open file and so its lock: each
     * child closes its copy first, to be a process of its own */
    pid_t pid = fork();
    if (pid == 0) {
        close(fd);
        int f, busy = spool_lock(job, 0, &f, err);
        _exit(busy == 1 ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "spool_lock sees another process's lock as taken", "status 0x%x", status);
    /* a waiting locker gets it when the holder lets go */
    pid = fork();
    if (pid == 0) {
        close(fd);
        int f, got = spool_lock(job, 1, &f, err);
        _exit(got == 0 ? 0 : 1);
    }
    sleep_ms(50);
    close(fd);
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "spool_lock waits for the holder", "status 0x%x", status);
    /* a dead holder's lock is free */
    pid = fork();
    if (pid == 0) {
        int f;
        spool_lock(job, 0, &f, err);
        raise(SIGKILL);
    }
    waitpid(pid, NULL, 0);
    r = spool_lock(job, 0, &fd2, err);
    CHECK(r == 0, "a killed holder's lock is free", "r %d", r);
    if (r == 0)
        close(fd2);
    char gone[PATH_MAX];
    snprintf(gone, sizeof gone, "%.3000s/gone", top);
    CHECK(spool_lock(gone, 0, &fd2, err) == 2, "spool_lock of a missing path", "%s", err);
}

/*
 * The fault child: it names itself "prog", forks two children, and all
 * three append a line to LOG (one spool operation each).  Exit status:
 * bit 0 and bit 1 set if child 1 / child 2 died of SIGKILL.
 */
static int fault_child(const char *log)
{
    spool_fault_init("prog");
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            sleep_ms(20 * i);       /* the first child gets there first */
            _exit(spool_append_line(log, "child\n", err) == 0 ? 0 : 3);
        }
    }
    int bits = 0;
    for (int i = 0; i < 2; i++) {
        int status = 0;
        waitpid(kids[i], &status, 0);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            bits |= 1 << i;
    }
    if (spool_append_line(log, "main\n", err) < 0)
        return 8;
    return bits;
}

/* run_fault - the fault child with the given variables (NULL: unset);
 * returns its wait status. */
static int run_fault(const char *in, const char *once, const char *log)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("TILESPOOL_CRASH_AT", "1", 1);
        if (in)
            setenv("TILESPOOL_CRASH_IN", in, 1);
        if (once)
            setenv("TILESPOOL_CRASH_ONCE", once, 1);
        execl("/proc/self/exe", "test_recovery", "--fault-child", log, (char *)NULL);
        _exit(127);
    }
    int status = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

static void test_fault_roles(void)
{
    char log[PATH_MAX], once[PATH_MAX], buf[64] = "";
    snprintf(log, sizeof log, "%.3000s/fault.log", top);
    snprintf(once, sizeof once, "%.3000s/once", top);

    int st = run_fault(NULL, NULL, log);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "TILESPOOL_CRASH_AT=1: every process counts (the main one dies too)", "0x%x", st);
    st = run_fault("prog", NULL, log);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "TILESPOOL_CRASH_IN=prog: the main process dies", "0x%x", st);
    st = run_fault("prog-child", NULL, log);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3,
          "TILESPOOL_CRASH_IN=prog-child: both children die, the main process lives",
          "0x%x", st);
    st = run_fault("other", NULL, log);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "TILESPOOL_CRASH_IN=other: nobody dies",
          "0x%x", st);
    st = run_fault("prog-child", once, log);
    FILE *f = fopen(once, "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
    }
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strncmp(buf, "C prog-child ", 13) == 0,
          "TILESPOOL_CRASH_ONCE: only the first child dies, and FILE says so",
          "0x%x, file '%s'", st, buf);
    unlink(once);
    st = run_fault("prog", once, log);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
          "TILESPOOL_CRASH_ONCE with a fresh FILE: the crash happens", "0x%x", st);
    st = run_fault("prog", once, log);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "TILESPOOL_CRASH_ONCE with FILE marked: no crash any more", "0x%x", st);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--fault-child") == 0)
        return fault_child(argv[2]);
    unsetenv("TILESPOOL_CRASH_AT");
    unsetenv("TILESPOOL_CRASH_IN");
    unsetenv("TILESPOOL_CRASH_ONCE");
    setenv("TILESPOOL_NODE", NODE, 1);

    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%.200s/test_recovery.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    char job[PATH_MAX];
    snprintf(job, sizeof job, "%.3000s/j", top);
    CHECK(spool_job_create(top, "j", err) == 0, "job directory", "%s", err);
    test_tmp_names(job);
    test_tmp_clean(job);
    test_lock(job);
    test_fault_roles();
    CHECK(rm_rf(top) == 0, "temporary directory removed", "%s", top);
    CHECK_DONE();
}
