/*
 * subproc.c - run a function in a forked child and read what it writes
 * (subproc.h).
 */
#include "subproc.h"
#include "err.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* drain_sink - read fd into sink until end of file, the sink's refusal or
 * the deadline.  Returns 1 if the deadline passed, 2 if the sink refused,
 * else 0. */
static int drain_sink(int fd, subproc_sink sink, void *sctx, long long deadline, size_t *got)
{
    char buf[65536];
    *got = 0;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        int r = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 1;
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        *got += (size_t)k;
        if (sink(sctx, buf, (size_t)k) < 0)
            return 2;
    }
}

int subproc_stream(subproc_fn fn, void *ctx, subproc_sink sink, void *sctx, int timeout_sec,
                   struct subproc_result *res, char *err)
{
    int fds[2];
    if (pipe(fds) < 0)
        return errf_sys(err, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return errf_sys(err, "fork");
    }
    if (pid == 0) {
        close(fds[0]);
        fn(ctx, fds[1]);
        _exit(1);       /* fn returned, which it must not: count it as failure */
    }
    close(fds[1]);
    int stop = drain_sink(fds[0], sink, sctx, now_ms() + timeout_sec * 1000LL, &res->got);
    close(fds[0]);
    res->timed_out = stop == 1;
    if (stop)
        kill(pid, SIGKILL);
    while (waitpid(pid, &res->status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

/* A caller's buffer as a sink: the first len bytes kept, the rest read
 * and dropped so that the child never blocks on a full pipe. */
struct buf_sink {
    char *buf;
    size_t len, kept;
};

static int to_buffer(void *ctx, const void *p, size_t n)
{
    struct buf_sink *b = ctx;
    size_t take = n < b->len - b->kept ? n : b->len - b->kept;
    memcpy(b->buf + b->kept, p, take);
    b->kept += take;
    return 0;
}

int subproc_run(subproc_fn fn, void *ctx, void *buf, size_t len, int timeout_sec,
                struct subproc_result *res, char *err)
{
    struct buf_sink b = {buf, len, 0};
    int rc = subproc_stream(fn, ctx, to_buffer, &b, timeout_sec, res, err);
    res->got = b.kept;
    return rc;
}

int subproc_exited_ok(const struct subproc_result *res)
{
    return WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0;
}

void subproc_how(const struct subproc_result *res, char *out, size_t n)
{
    if (WIFSIGNALED(res->status))
        snprintf(out, n, "was killed by signal %d", WTERMSIG(res->status));
    else
        snprintf(out, n, "exited with status %d", WEXITSTATUS(res->status));
}
