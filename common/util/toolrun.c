/*
 * toolrun.c - run an outside program within time and memory limits
 * (toolrun.h).
 *
 * The child makes itself the leader of a new process group before exec,
 * so that a compiler driver's own children (cc1, as, ld) are killed with
 * it.  RLIMIT_AS is inherited by those children; each gets the full
 * amount, which bounds any one of them.  A tool that dies of SIGKILL or
 * SIGSEGV, or fails, after running into RLIMIT_AS cannot be told apart
 * with certainty from one that failed for another reason, so the message
 * names the limit as the likely cause when the tool was killed by a
 * signal; its log holds the rest.
 */
#include "toolrun.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_SEC 120
#define DEFAULT_MEMORY_MB 2048UL

/* env_positive - a positive whole number from variable `name` into *out
 * (left alone when unset or empty); returns 0 or -1. */
static int env_positive(const char *name, unsigned long max, unsigned long *out, char *err)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || *end || end == v || v[0] == '-' || n == 0 || n > max)
        return errf(err, "%s='%.32s': must be a whole number from 1 to %lu", name, v, max);
    *out = n;
    return 0;
}

int toolrun_limits_from_env(struct toolrun_limits *lim, char *err)
{
    unsigned long t = DEFAULT_TIMEOUT_SEC, m = DEFAULT_MEMORY_MB;
    if (env_positive("TILESPOOL_COMPILE_TIMEOUT", 86400, &t, err) < 0 ||
        env_positive("TILESPOOL_COMPILE_MEMORY", 1UL << 20, &m, err) < 0)
        return -1;
    lim->timeout_sec = (int)t;
    lim->memory_mb = m;
    return 0;
}

/* child_exec - in the forked child: own process group, limits, fds, exec.
 * Never returns. */
static void child_exec(char *const argv[], int logfd, const struct toolrun_limits *lim)
{
    setpgid(0, 0);
    rlim_t bytes = (rlim_t)lim->memory_mb << 20;
    struct rlimit as = {bytes, bytes}, core = {0, 0};
    setrlimit(RLIMIT_AS, &as);
    setrlimit(RLIMIT_CORE, &core);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
        _exit(126);
    execvp(argv[0], argv);
    dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* wait_deadline - reap pid, killing its process group at the deadline.
 * Returns 1 if it was killed for time, 0 if it ended by itself, -1 on a
 * waitpid error. */
static int wait_deadline(pid_t pid, long long deadline, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (now_ms() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            return 1;
        }
        struct timespec nap = {0, 20 * 1000000L};
        nanosleep(&nap, NULL);
    }
}

int toolrun_run(char *const argv[], int logfd, const struct toolrun_limits *lim, char *err)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return errf_sys(err, "cannot run %s: fork", argv[0]);
    if (pid == 0)
        child_exec(argv, logfd, lim);
    setpgid(pid, pid);          /* also here: no race with the first kill */
    int status = 0;
    int late = wait_deadline(pid, now_ms() + lim->timeout_sec * 1000LL, &status);
    /* whatever the tool left running in its group goes with it */
    kill(-pid, SIGKILL);
    if (late < 0)
        return errf_sys(err, "%s: waitpid", argv[0]);
    if (late)
        return errf(err, "%s took longer than %d s (TILESPOOL_COMPILE_TIMEOUT)", argv[0],
                    lim->timeout_sec);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return errf(err, "cannot run %s (not installed?)", argv[0]);
    if (WIFSIGNALED(status))
        return errf(err, "%s died of signal %d (memory limit %lu MiB, "
                    "TILESPOOL_COMPILE_MEMORY, reached?)", argv[0], WTERMSIG(status),
                    lim->memory_mb);
    errf(err, "%s failed (exit %d)", argv[0], WEXITSTATUS(status));
    return TOOLRUN_FAILED;
}
