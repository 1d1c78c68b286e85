/*
 * toolrun.h - run an outside program (wasm-validate, wasm2c, cc) on
 * untrusted input, with a wall-clock limit and a memory limit.
 *
 * A user's module is fed to tools that were not written to face an
 * adversary: a module of a few hundred kilobytes can keep a C compiler
 * busy for minutes or make it take gigabytes.  Every such run goes
 * through here, in its own process group, so that the limit ends the
 * tool and everything it started, and the caller gets one line saying
 * which limit it was.
 *
 * The limits come from the environment (docs/cli.md):
 *   TILESPOOL_COMPILE_TIMEOUT   seconds of wall-clock time per tool run (default 120)
 *   TILESPOOL_COMPILE_MEMORY    MiB of address space per process (default 2048)
 */
#ifndef TS_TOOLRUN_H
#define TS_TOOLRUN_H

struct toolrun_limits {
    int timeout_sec;            /* wall clock, > 0 */
    unsigned long memory_mb;    /* RLIMIT_AS of the tool and its children, > 0 */
};

/* toolrun_limits_from_env - the defaults, overridden by the environment.
 * Returns 0, or -1 with err naming a variable that is not a positive
 * whole number. */
int toolrun_limits_from_env(struct toolrun_limits *lim, char *err);

/* What toolrun_run returns besides 0: whether the tool gave its own
 * verdict (it ran and exited non-zero: its log says why), or it could not
 * run or was ended by a limit or a signal (err says which). */
enum toolrun_result {
    TOOLRUN_ENDED = -1,
    TOOLRUN_FAILED = -2
};

/* toolrun_run - run argv (argv[0] looked up in PATH) with stdin from
 * /dev/null and stdout and stderr into logfd, within lim.  Returns 0 when
 * it exited 0; else TOOLRUN_FAILED ("cc failed (exit 1)") or
 * TOOLRUN_ENDED ("wasm2c took longer than 120 s
 * (TILESPOOL_COMPILE_TIMEOUT)", "cc died of signal 9 (memory limit ...)",
 * "cannot run cc (not installed?)"), with err saying how it ended. */
int toolrun_run(char *const argv[], int logfd, const struct toolrun_limits *lim, char *err);

#endif
