/*
 * confine.h - what a process that runs filter code gives up first.
 *
 * Filters import nothing, so they cannot make a system call; confinement
 * guards against a bug in the host code of such a process (tile decoding,
 * the wasm2c runtime) being turned against the machine.  Every process
 * that runs filter code (worker children, the splitter's describe and
 * reference children, the lister of `tilespool filters`) builds a
 * confine_rules naming what it still needs, opens everything else it
 * needs first, and calls confine_process() as the last step before
 * filter code runs.  docs/sandbox.md says what is confined and how to
 * check it.
 */
#ifndef TS_CONFINE_H
#define TS_CONFINE_H

#include <stddef.h>

/* The only places a confined process may reach in the file system. */
struct confine_rules {
    int n, cap;
    char **path;          /* owned copies; those that do not exist are skipped */
    int *writable;        /* 1: a directory to read and write beneath */
};

/* confine_available - the Landlock ABI version this kernel offers, 0 if
 * none (then the file system and network are not confined; the system
 * call filter still is). */
int confine_available(void);

/* confine_syscalls_available - 1 if this kernel can filter system calls
 * (seccomp with SECCOMP_RET_KILL_PROCESS, Linux 4.14+; valgrind hides it). */
int confine_syscalls_available(void);

/* confine_missing - what confinement lacks on this kernel, as one line
 * for a warning, or NULL when it is complete. */
const char *confine_missing(void);

/* confine_rules_init - empty rules. */
void confine_rules_init(struct confine_rules *r);

/* confine_rules_free - release the rules' copies of the paths. */
void confine_rules_free(struct confine_rules *r);

/* confine_read - allow reading path: a file, or everything beneath a
 * directory.  Returns 0, or -1 with err (out of memory). */
int confine_read(struct confine_rules *r, const char *path, char *err);

/* confine_write - allow reading and writing beneath directory dir
 * (creating, removing and renaming inside it included).  Returns 0 or -1. */
int confine_write(struct confine_rules *r, const char *dir, char *err);

/* confine_filters - allow reading the bundled filter directories, the
 * cache of compiled users' modules and the glue they are compiled with
 * (whose recipe is part of every cache key).  Returns 0 or -1. */
int confine_filters(struct confine_rules *r, char *err);

/* confine_process - in a process about to run filter code: no new
 * privileges, no core dumps, no file access but r's (and nothing run from
 * them), no TCP, no abstract UNIX sockets or signals outside the process
 * (as far as the kernel's Landlock goes), then the system call filter:
 * only the calls a filter process makes, execve, fork and socket fail
 * with EPERM, calls no such process has any use for (ptrace, mount,
 * module loading, ...) kill it.  Irreversible.  Returns 0, or -1 with err. */
int confine_process(const struct confine_rules *r, char *err);

/* confine_syscalls - the system call filter alone (confine_process's last
 * step, skipped where the kernel cannot; no_new_privs must be set).
 * Returns 0 or -1 with err. */
int confine_syscalls(char *err);

#endif
