/*
 * subproc.h - run a function in a forked child and read what it writes.
 *
 * Filter code runs only in processes made for it: wasm2c's SIGSEGV
 * handler takes any fault in the process for a trap, and a filter may
 * never return.  So the splitter describes a chain's filters, and
 * analyses a reference image, in a child that writes its answer into a
 * pipe and exits; the parent reads it with a deadline and kills a child
 * that overruns it.
 */
#ifndef TS_SUBPROC_H
#define TS_SUBPROC_H

#include <stddef.h>

/* subproc_fn - the child's work: write the answer to fd, then _exit. */
typedef void (*subproc_fn)(void *ctx, int fd);

struct subproc_result {
    size_t got;          /* bytes of the answer read */
    int timed_out;       /* the deadline passed: the child was killed */
    int status;          /* its wait status */
};

/* subproc_run - fork; the child runs fn(ctx, fd) and never returns.  The
 * parent reads up to len bytes into buf until the child closes the pipe
 * or timeout_sec seconds pass, then reaps it (killing it first on a
 * timeout).  Returns 0 with *res filled, or -1 with err when the pipe or
 * the fork cannot be made. */
int subproc_run(subproc_fn fn, void *ctx, void *buf, size_t len, int timeout_sec,
                struct subproc_result *res, char *err);

/* subproc_sink - the parent's reader of a streamed answer: the next n
 * bytes at p.  Returns 0, or -1 to read no more (the child is killed). */
typedef int (*subproc_sink)(void *ctx, const void *p, size_t n);

/* subproc_stream - subproc_run for an answer of any length: what the
 * child writes is handed to sink(sctx) as it comes, until the child
 * closes the pipe, the sink refuses or timeout_sec seconds pass.  res->got
 * counts the bytes read.  Returns 0 with *res filled, or -1 with err when
 * the pipe or the fork cannot be made. */
int subproc_stream(subproc_fn fn, void *ctx, subproc_sink sink, void *sctx, int timeout_sec,
                   struct subproc_result *res, char *err);

/* subproc_exited_ok - 1 if the child exited with status 0. */
int subproc_exited_ok(const struct subproc_result *res);

/* subproc_how - "exited with status N" or "was killed by signal N". */
void subproc_how(const struct subproc_result *res, char *out, size_t n);

#endif
