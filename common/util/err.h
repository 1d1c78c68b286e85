/*
 * err.h - the one error convention of tilespool.
 *
 * Library functions never print and never exit.  A function that can fail
 * takes a caller's buffer `char err[ERR_MAX]`, writes one line into it
 * (no trailing newline) and returns -1 (or NULL).  The program's main()
 * is the single place that prints the line, prefixed with the program name,
 * and chooses the exit status.
 */
#ifndef TS_ERR_H
#define TS_ERR_H

#include <stddef.h>

#define ERR_MAX 512

/* __attribute__((format)) lets gcc and clang check every message's
 * arguments; both compilers the project builds with support it. */

/* Exit statuses shared by every program and the driver (docs/cli.md). */
enum {
    EXIT_OK = 0,
    EXIT_TILES_FAILED = 1, /* ran to the end, but some tiles failed in a filter */
    EXIT_USAGE = 2,        /* bad command line or filter parameters */
    EXIT_INPUT = 3,        /* unreadable or invalid input image or filter */
    EXIT_SPOOL = 4         /* spool, output or other I/O error */
};

/* Failure classes, for the functions whose failures differ in whose
 * fault they are (an input that cannot be read, or the spool and the
 * system): they return one of these instead of a bare -1, and main() maps
 * it to an exit status without reading the message.  ERR_SYSTEM is -1,
 * so `< 0` still tests for any failure. */
enum err_class {
    ERR_SYSTEM = -1,       /* spool, output, memory, processes: EXIT_SPOOL */
    ERR_BAD_INPUT = -2     /* the input image or a file it names: EXIT_INPUT */
};

/* errf - format a message into err; returns -1 so callers can `return errf(...)`. */
int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* errf_sys - like errf, with ": strerror(errno)" appended. */
int errf_sys(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* err_prefix - prepend "what: " to the message already in err; returns -1. */
int err_prefix(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Program-level messages: "prog: message" on stderr.  Only main() and the
 * supervisor loops call these; library code fills err buffers instead. */
void msg_set_program(const char *name);
const char *msg_program(void);
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_set_quiet(int quiet);

/* errf_usage - print "prog: message" for a command-line error; returns -1.
 * For parse_cmdline() functions only. */
int errf_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* bad_option - the one-line message for the option getopt_long() just
 * rejected (call with opterr = 0); returns -1. */
int bad_option(char **argv);

#endif
