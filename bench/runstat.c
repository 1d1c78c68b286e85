/*
 * NAME
 *	runstat - run a command and report its wall time, CPU time and the
 *	peak resident set of its process tree.
 *
 * SYNOPSIS
 *	runstat [-o FILE] [-l LABEL] CMD [ARG...]
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
 * DIAGNOSTICS
 *	Exits with CMD's status (128+N if a signal N ended it), 127 if CMD
 *	cannot be run, 2 on a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

int main(int argc, char **argv)
{
    const char *file = NULL, *label = "run";
    int opt;
    while ((opt = getopt(argc, argv, "+o:l:")) != -1) {
        switch (opt) {
        case 'o': file = optarg; break;
        case 'l': label = optarg; break;
        default:
            fprintf(stderr, "usage: runstat [-o FILE] [-l LABEL] CMD [ARG...]\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: runstat [-o FILE] [-l LABEL] CMD [ARG...]\n");
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
    while (wait4(pid, &status, 0, &ru) < 0) {
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
    fprintf(f, "%s wall_s=%.4f user_s=%.4f sys_s=%.4f maxrss_kib=%ld status=%d\n", label, wall,
            tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), ru.ru_maxrss, rc);
    if (file && fclose(f) != 0) {
        fprintf(stderr, "runstat: %s: %s\n", file, strerror(errno));
        return 127;
    }
    return rc;
}
