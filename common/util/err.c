/*
 * err.c - error buffers and the program's one-line messages (see err.h).
 */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *program = "tilespool";
static int quiet;

int errf(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, ERR_MAX, fmt, ap);
    va_end(ap);
    return -1;
}

int errf_sys(char *err, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, ERR_MAX, fmt, ap);
    va_end(ap);
    if (n >= 0 && n < ERR_MAX)
        snprintf(err + n, ERR_MAX - n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

int err_prefix(char *err, const char *fmt, ...)
{
    char line[ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= 0 && n < ERR_MAX - 2) {
        memcpy(line + n, ": ", 2);
        size_t room = ERR_MAX - (size_t)n - 3, len = strlen(err);
        memcpy(line + n + 2, err, len < room ? len : room);
        line[n + 2 + (len < room ? len : room)] = '\0';
    }
    memcpy(err, line, ERR_MAX);
    return -1;
}

void msg_set_program(const char *name) { program = name; }
const char *msg_program(void) { return program; }
void msg_set_quiet(int q) { quiet = q; }

static void vmsg(const char *fmt, va_list ap)
{
    char line[ERR_MAX * 2];
    int n = snprintf(line, sizeof line, "%s: ", program);
    vsnprintf(line + n, sizeof line - n, fmt, ap);
    /* one write per line so concurrent children never interleave mid-line */
    fprintf(stderr, "%s\n", line);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

void msg_info(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

int errf_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    return -1;
}

int bad_option(char **argv)
{
    extern int optind, optopt;
    const char *arg = argv[optind - 1];
    if (optopt && arg[0] == '-' && arg[1] != '-' && arg[1] != (char)optopt)
        return errf_usage("bad option '-%c' in '%s' (try '%s --help')", optopt, arg,
                          msg_program());
    return errf_usage("bad option or missing value: '%s' (try '%s --help')", arg,
                      msg_program());
}
