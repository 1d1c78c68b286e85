/*
 * job.c - splitter: job ids, and finding the job an earlier run made for
 * the same input, chain and tiling, so that re-running a command resumes.
 */
#include "split.h"
#include "err.h"
#include "hash.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* key_suffix - "-<first 8 hex digits of key>" into out[10]. */
static void key_suffix(const struct hash *key, char out[10])
{
    char hex[HASH_HEX_MAX];
    hash_hex(key, hex);
    snprintf(out, 10, "-%.8s", hex);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

int job_find(const char *spool, const struct manifest *m, char *id, char *err)
{
    char suffix[10], jobdir[PATH_MAX], manifest[PATH_MAX];
    char **names;
    key_suffix(&m->key, suffix);
    int n = spool_list(spool, &names, err);
    if (n < 0)
        return -1;
    int found = 0, rc = 0;
    for (int i = 0; i < n && rc == 0 && !found; i++) {
        if (!ends_with(names[i], suffix) || !manifest_job_id_ok(names[i]))
            continue;
        if (spool_path(jobdir, spool, names[i], NULL, err) < 0 ||
            spool_path(manifest, jobdir, SPOOL_MANIFEST, NULL, err) < 0) {
            rc = -1;
            break;
        }
        if (access(manifest, F_OK) != 0) {
            /* No job.json: a split still running (its splitter holds the
             * job's lock: wait for it) or one that died (start over). */
            int fd, r = spool_lock(jobdir, 0, &fd, err);
            if (r == 1) {
                snprintf(id, SPOOL_JOB_ID_MAX, "%s", names[i]);
                found = 2;
            } else if (r == 0) {
                rc = access(manifest, F_OK) == 0 ? 0 : spool_job_remove(jobdir, err);
                close(fd);
                if (rc == 0 && access(manifest, F_OK) == 0)
                    i--;    /* finished just before we locked it: look again */
            } else if (r < 0) {
                rc = -1;
            }
            continue;
        }
        struct manifest *old = malloc(sizeof *old);
        char e2[ERR_MAX];
        if (!old) {
            rc = errf(err, "out of memory");
            break;
        }
        if (manifest_load(old, jobdir, e2) == 0 && hash_equal(&old->key, &m->key)) {
            snprintf(id, SPOOL_JOB_ID_MAX, "%s", names[i]);
            found = 1;
        }
        free(old);
    }
    free(names);
    return rc < 0 ? -1 : found;
}

/* stem_of - the input's base name without extension, made a safe name. */
static void stem_of(const char *path, char out[33])
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = 0;
    for (const char *p = base; *p && *p != '.' && n < 32; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        out[n++] = ok ? c : '_';
    }
    if (n == 0)
        { memcpy(out, "image", 5); n = 5; }
    out[n] = '\0';
}

int job_new_id(const char *spool, const struct manifest *m, char *id, char *err)
{
    char stamp[32], stem[33], suffix[10], path[PATH_MAX];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    stem_of(strcmp(m->source_path, MANIFEST_STDIN) == 0 ? "stdin" : m->source_path, stem);
    key_suffix(&m->key, suffix);
    for (int k = 1; k < 1000; k++) {
        if (k == 1)
            snprintf(id, SPOOL_JOB_ID_MAX, "%s-%s%s", stamp, stem, suffix);
        else    /* "...Z.2-" sorts after "...Z-": ids stay in creation order */
            snprintf(id, SPOOL_JOB_ID_MAX, "%s.%d-%s%s", stamp, k, stem, suffix);
        if (spool_path(path, spool, id, NULL, err) < 0)
            return -1;
        if (access(path, F_OK) != 0)
            return 0;
    }
    return errf(err, "%s: cannot find a free job id for %s", spool, m->source_path);
}
