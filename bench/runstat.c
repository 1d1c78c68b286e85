/*
 * NAME
 *	runstat - run a command and report its wall time, CPU time and the
 *	peak resident set of its process tree.
 *
 * SYNOPSIS
 *	runstat [-o FILE] [-l LABEL] [-s] CMD [ARG...]
 *
 * DESCRIPTION
 *	Runs CMD (no shell: use `sh -c` for a pipeline or a loop), waits for
 *	it with wait4() and writes one line, appended to FILE or on stderr:
 *
 *	    LABEL wall_s=1.2345 user_s=1.0000 sys_s=0.1000 maxrss_kib=12345 status=0
 *
 *	maxrss_kib is the largest resident set of CMD or of any descendant it
 *	waited for (Linux carries a reaped child's peak up to its parent), so
 *	for a shell loop it is the largest single process, and for a program
 *	that forks workers it is the largest of them or of itself.  CPU
 *	times include every waited-for descendant.
 *
 *	-s adds self_kib=N, the peak resident set of CMD's own process
 *	alone (VmHWM of /proc/PID/status, read every 10 ms while it runs;
 *	the high-water mark only grows, so the last reading is kept, which
 *	is also the program's own and not runstat's before the exec): a
 *	supervisor's own figure, apart from the children it forks.  Growth
 *	in the last 10 ms of its life can be missed; the peak of a
 *	long-lived process is not.
 *
 * DIAGNOSTICS
 *	Exits with CMD's status (128+N if a signal N ended it), 127 if CMD
 *	cannot be run, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* hwm_kib - VmHWM of process pid in KiB, or 0 when it cannot be read. */
static long hwm_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = 0;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

/*
 * wait_sampling - wait4 for pid, reading its VmHWM every 10 ms into
 * *self (the last reading).  A pidfd ends the wait as soon as pid exits; where
 * there is none, the last sleep may add up to 10 ms to the wall time.
 * Returns wait4's result.
 */
static pid_t wait_sampling(pid_t pid, int *status, struct rusage *ru, long *self)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    for (;;) {
        pid_t r = wait4(pid, status, WNOHANG, ru);
        if (r != 0 && !(r < 0 && errno == EINTR)) {
            if (fd >= 0)
                close(fd);
            return r;
        }
        long kib = hwm_kib(pid);
        *self = kib > 0 ? kib : *self;
        if (fd >= 0) {
            struct pollfd p = {fd, POLLIN, 0};
            poll(&p, 1, 10);
        } else {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
        }
    }
}

int main(int argc, char **argv)
{
    const char *file = NULL, *label = "run";
    int opt, sample = 0;
    long self = 0;
    while ((opt = getopt(argc, argv, "+o:l:s")) != -1) {
        switch (opt) {
        case 'o': file = optarg; break;
        case 'l': label = optarg; break;
        case 's': sample = 1; break;
        default:
            fprintf(stderr, "usage: runstat [-o FILE] [-l LABEL] [-s] CMD [ARG...]\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: runstat [-o FILE] [-l LABEL] [-s] CMD [ARG...]\n");
        return 2;
    }
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
        return 127;
    }
    if (pid == 0) {
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "runstat: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while ((sample ? wait_sampling(pid, &status, &ru, &self) : wait4(pid, &status, 0, &ru)) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
            return 127;
        }
    }
    double wall = now() - t0;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = file ? fopen(file, "a") : stderr;
    if (!f) {
        fprintf(stderr, "runstat: %s: %s\n", file, strerror(errno));
        return 127;
    }
    fprintf(f, "%s wall_s=%.4f user_s=%.4f sys_s=%.4f maxrss_kib=%ld status=%d", label, wall,
            tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), ru.ru_maxrss, rc);
    if (sample)
        fprintf(f, " self_kib=%ld", self);
    fputc('\n', f);
    if (file && fclose(f) != 0) {
        fprintf(stderr, "runstat: %s: %s\n", file, strerror(errno));
        return 127;
    }
    return rc;
}
