/*
 * stdin.c - splitter: standard input as an input ("-").
 *
 * The decoders need a regular file they can read more than once (the
 * header, then the pixels), and a job is known by its input's content
 * hash, so standard input is first copied into the spool: a private
 * temporary beside the jobs, SPOOL/.stdin.tmp@NODE.PID.SERIAL, named as
 * spool.h names every temporary.  The splitter reads it as it would read
 * the file, and removes it once the input is split (or found spooled
 * already): the worker and the assembler read only the job's tiles, so
 * the copy is never published under a lasting name, needs no fsync, and
 * two splitters reading standard input at once each have their own.  A
 * splitter killed while it holds a copy leaves a dead writer's garbage,
 * removed by the next splitter that reads standard input and by
 * `tilespool clean`.
 *
 * A pipe may never end: the copy stops at TILESPOOL_STDIN_MAX bytes (a
 * number with an optional K, M or G, powers of 1024; default 4G).
 */
#include "split.h"
#include "err.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STDIN_MAX_DEFAULT (4ull << 30)

/* stdin_limit - the copy's limit in bytes into *max; -1 with err when
 * TILESPOOL_STDIN_MAX is not a size. */
static int stdin_limit(unsigned long long *max, char *err)
{
    const char *s = getenv("TILESPOOL_STDIN_MAX");
    *max = STDIN_MAX_DEFAULT;
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    int shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' || *end == 'm' ? 20
              : *end == 'G' || *end == 'g' ? 30 : 0;
    if (shift)
        end++;
    if (errno || end == s || *end || s[0] == '-' || v == 0 || v > (~0ull >> shift))
        return errf(err, "TILESPOOL_STDIN_MAX: not a size in bytes (e.g. 500M, 4G): '%s'", s);
    *max = v << shift;
    return 0;
}

/* copy_fd - standard input into f, at most max bytes.  Returns 0,
 * ERR_BAD_INPUT (unreadable, or longer than max) or ERR_SYSTEM (the
 * temporary could not be written: a full disk), with err. */
static int copy_fd(FILE *f, const char *tmp, unsigned long long max, char *err)
{
    static char buf[1 << 16];
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errf_sys(err, "%s: read", MANIFEST_STDIN), ERR_BAD_INPUT;
        if (n == 0)
            return 0;
        total += (unsigned long long)n;
        if (total > max)
            return errf(err, "%s: more than %llu bytes (TILESPOOL_STDIN_MAX): refused",
                        MANIFEST_STDIN, max), ERR_BAD_INPUT;
        if (fwrite(buf, 1, (size_t)n, f) != (size_t)n)
            return errf_sys(err, "%s: write", tmp), ERR_SYSTEM;
    }
}

int stdin_copy(const char *spool, struct spool_file *sf, char *err)
{
    char final[PATH_MAX], e2[ERR_MAX];
    unsigned long long max;
    memset(sf, 0, sizeof *sf);
    if (stdin_limit(&max, err) < 0)
        return ERR_BAD_INPUT;
    if (spool_dir_create(spool, err) < 0 || spool_path(final, spool, "stdin", NULL, err) < 0)
        return ERR_SYSTEM;
    /* a failure to remove a dead splitter's copy costs only room */
    spool_tmp_clean_at(final, NULL, e2);
    if (spool_file_begin_at(sf, final, err) < 0)
        return ERR_SYSTEM;
    int rc = copy_fd(sf->f, sf->tmp, max, err);
    if (rc == 0 && fflush(sf->f) != 0)
        rc = errf_sys(err, "%s: write", sf->tmp);
    if (rc == 0) {
        FILE *f = sf->f;
        sf->f = NULL;
        if (fclose(f) != 0)
            rc = errf_sys(err, "%s: close", sf->tmp);
    }
    if (rc < 0)
        spool_file_abort(sf);
    return rc;
}

const char *stdin_path(const struct split_opts *o, const char *input)
{
    return o->stdin_copy && strcmp(input, "-") == 0 ? o->stdin_copy : input;
}

const char *stdin_name(const char *input)
{
    return strcmp(input, "-") == 0 ? MANIFEST_STDIN : input;
}
