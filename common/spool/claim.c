/*
 * claim.c - claim, commit, release, fail and recover tiles (claim.h).
 */
#include "claim.h"
#include "err.h"
#include "manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int claim_tile_of(const char *entry, char out[SPOOL_TILE_NAME_MAX])
{
    const char *at = strchr(entry, '@');
    if (!at || at == entry || (size_t)(at - entry) >= SPOOL_TILE_NAME_MAX)
        return -1;
    memcpy(out, entry, (size_t)(at - entry));
    out[at - entry] = '\0';
    return 0;
}

/* lock_path - open path and take its lock without waiting.  Returns the fd,
 * -2 if someone holds the lock or the file is gone, -3 with err if it is
 * not a regular file (a FIFO, a link, ...: spool_open), -1 on error. */
static int lock_path(const char *path, char *err)
{
    int fd = spool_open(path, O_RDONLY, err);
    if (fd == -2)
        return -3;
    if (fd < 0)
        return errno == ENOENT ? -2 : -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return -2;
        errno = e;
        return errf_sys(err, "%s: flock", path);
    }
    return fd;
}

int claim_tile(const char *jobdir, const char *tile, struct claim *c, char *err)
{
    char from[PATH_MAX], entry[SPOOL_TILE_NAME_MAX + SPOOL_NODE_MAX + 24];
    memset(c, 0, sizeof *c);
    c->fd = -1;
    snprintf(c->jobdir, sizeof c->jobdir, "%s", jobdir);
    snprintf(c->tile, sizeof c->tile, "%s", tile);
    snprintf(entry, sizeof entry, "%s@%s.%ld", tile, spool_node(), (long)getpid());
    if (spool_path(from, jobdir, SPOOL_TILES, tile, err) < 0 ||
        spool_path(c->path, jobdir, SPOOL_CLAIMED, entry, err) < 0)
        return -1;
    int fd = lock_path(from, err);
    if (fd == -2 || fd == -3)
        return fd == -2 ? 1 : 2;
    if (fd < 0)
        return -1;
    int r = spool_rename(from, c->path, err);
    if (r != 0) {
        close(fd);
        return r;           /* 1: somebody else moved it first */
    }
    c->fd = fd;
    return 0;
}

int claim_adopt(const char *jobdir, const char *entry, struct claim *c, char *err)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    snprintf(c->jobdir, sizeof c->jobdir, "%s", jobdir);
    if (claim_tile_of(entry, c->tile) < 0)
        return errf(err, "%s/%s/%s: not a claim name (T@node.pid)", jobdir, SPOOL_CLAIMED,
                    entry);
    if (spool_path(c->path, jobdir, SPOOL_CLAIMED, entry, err) < 0)
        return -1;
    int fd = lock_path(c->path, err);
    if (fd == -2 || fd == -3)
        return fd == -2 ? 1 : 2;
    if (fd < 0)
        return -1;
    /* Another recovery may have moved the file between our open and our
     * lock (and let go of it): then the name no longer leads to it. */
    struct stat held, now;
    if (fstat(fd, &held) < 0 || stat(c->path, &now) < 0 || held.st_ino != now.st_ino ||
        held.st_dev != now.st_dev) {
        close(fd);
        return 1;
    }
    c->fd = fd;
    return 0;
}

void claim_close(struct claim *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* move_claim - rename the claimed file to sub/T and close c. */
static int move_claim(struct claim *c, const char *sub, char *err)
{
    char to[PATH_MAX];
    int rc = spool_path(to, c->jobdir, sub, c->tile, err);
    if (rc == 0) {
        rc = spool_rename(c->path, to, err);
        if (rc > 0)
            rc = errf(err, "%s: claim vanished while held", c->path);
    }
    claim_close(c);
    return rc;
}

int claim_commit(struct claim *c, int keep, char *err)
{
    if (keep)
        return move_claim(c, SPOOL_DONE, err);
    int rc = spool_unlink(c->path, err);
    claim_close(c);
    return rc;
}

int claim_release(struct claim *c, char *err)
{
    return move_claim(c, SPOOL_TILES, err);
}

/* write_reason - publish jobdir/failed/T.json describing the failure. */
static int write_reason(const char *jobdir, const char *tile, const char *kind,
                        const char *reason, int attempts, long pid, char *err)
{
    char name[SPOOL_TILE_NAME_MAX + 8], when[32];
    manifest_utc_now(when);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return errf(err, "out of memory");
    cJSON_AddStringToObject(o, "tile", tile);
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddNumberToObject(o, "attempts", attempts);
    cJSON_AddNumberToObject(o, "pid", (double)pid);
    cJSON_AddStringToObject(o, "time", when);
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return errf(err, "out of memory");
    snprintf(name, sizeof name, "%s.json", tile);
    struct spool_file sf;
    int rc = spool_file_begin(&sf, jobdir, SPOOL_FAILED, name, err);
    if (rc == 0) {
        fprintf(sf.f, "%s\n", text);
        rc = spool_file_commit(&sf, err);
    }
    free(text);
    return rc;
}

int claim_fail(struct claim *c, const char *kind, const char *reason, int attempts, long pid,
               char *err)
{
    if (write_reason(c->jobdir, c->tile, kind, reason, attempts, pid, err) < 0) {
        claim_close(c);
        return -1;
    }
    return move_claim(c, SPOOL_FAILED, err);
}

int claim_refuse(const char *jobdir, const char *sub, const char *entry, const char *tile,
                 const char *reason, char *err)
{
    char from[PATH_MAX], to[PATH_MAX];
    if (spool_path(from, jobdir, sub, entry, err) < 0 ||
        spool_path(to, jobdir, SPOOL_FAILED, tile, err) < 0 ||
        write_reason(jobdir, tile, "spool", reason, 1, (long)getpid(), err) < 0)
        return -1;
    /* no lock can be had on such a name: the rename alone decides who
     * settles it, and a loser has only rewritten the same reason */
    return spool_rename(from, to, err);
}

int claim_failure_read(const char *jobdir, const char *tile, char kind[16], int *attempts,
                       char *err)
{
    char name[SPOOL_TILE_NAME_MAX + 8], path[PATH_MAX], text[8192];
    snprintf(name, sizeof name, "%s.json", tile);
    if (spool_path(path, jobdir, SPOOL_FAILED, name, err) < 0)
        return -1;
    FILE *f = spool_fopen(path, err);
    if (!f)
        return errno == ENOENT ? 1 : -1;
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    cJSON *o = cJSON_Parse(text);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kind");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attempts");
    int rc = cJSON_IsString(k) && cJSON_IsNumber(a) ? 0
             : errf(err, "%s: not a failure record (kind, attempts)", path);
    if (rc == 0) {
        snprintf(kind, 16, "%s", k->valuestring);
        *attempts = a->valueint;
    }
    cJSON_Delete(o);
    return rc;
}

int claim_requeue(const char *jobdir, const char *tile, char *err)
{
    char from[PATH_MAX], to[PATH_MAX], name[SPOOL_TILE_NAME_MAX + 8];
    snprintf(name, sizeof name, "%s.json", tile);
    if (spool_path(from, jobdir, SPOOL_FAILED, tile, err) < 0 ||
        spool_path(to, jobdir, SPOOL_TILES, tile, err) < 0)
        return -1;
    int r = spool_rename(from, to, err);
    if (r != 0)
        return r;
    /* a crash here leaves the record beside a waiting tile: the next
     * claim_requeue_finish removes it */
    return spool_path(from, jobdir, SPOOL_FAILED, name, err) < 0 ? -1
           : spool_unlink(from, err);
}

int claim_requeue_finish(const char *jobdir, const char *tile, char *err)
{
    char path[PATH_MAX], name[SPOOL_TILE_NAME_MAX + 8];
    struct stat st;
    snprintf(name, sizeof name, "%s.json", tile);
    if (spool_path(path, jobdir, SPOOL_FAILED, tile, err) < 0)
        return -1;
    if (lstat(path, &st) == 0)
        return 0;           /* still failed: the record is its reason */
    if (spool_path(path, jobdir, SPOOL_TILES, tile, err) < 0)
        return -1;
    /* only beside a waiting tile: a claimed one may be failing right now,
     * its reason published and its rename to come; so may one that is no
     * regular file (claim_refuse writes the reason before its rename) */
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    if (spool_path(path, jobdir, SPOOL_FAILED, name, err) < 0 || lstat(path, &st) < 0)
        return 0;
    return spool_unlink(path, err);
}

/* drop_stale_reason - remove failed/T.json left by a claim_fail that was
 * interrupted before its rename: the tile is still claimed, so the reason
 * describes an attempt that never settled and must not outlive it. */
static int drop_stale_reason(const struct claim *c, char *err)
{
    char name[SPOOL_TILE_NAME_MAX + 8], path[PATH_MAX];
    snprintf(name, sizeof name, "%s.json", c->tile);
    if (spool_path(path, c->jobdir, SPOOL_FAILED, name, err) < 0)
        return -1;
    return spool_unlink(path, err);
}

int claim_recover(const char *jobdir, int *requeued, int *finished, char *err)
{
    char dir[PATH_MAX], out[PATH_MAX];
    char **names;
    if (spool_path(dir, jobdir, SPOOL_CLAIMED, NULL, err) < 0)
        return -1;
    int n = spool_list(dir, &names, err);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct claim c;
        char tile[SPOOL_TILE_NAME_MAX];
        if (claim_tile_of(names[i], tile) < 0)
            continue;       /* not a claim: not ours to move */
        int r = claim_adopt(jobdir, names[i], &c, err);
        if (r == 2) {
            /* nobody can hold such a claim: fail it, as claim_tile would */
            char why[ERR_MAX];
            snprintf(why, sizeof why, "%s", err);
            rc = claim_refuse(jobdir, SPOOL_CLAIMED, names[i], tile, why, err) < 0 ? -1 : 0;
            continue;
        }
        if (r != 0) {
            rc = r < 0 ? -1 : 0;
            continue;
        }
        if (spool_path(out, jobdir, SPOOL_OUT, c.tile, err) < 0 ||
            drop_stale_reason(&c, err) < 0) {
            claim_close(&c);
            rc = -1;
        } else if (access(out, F_OK) == 0) {
            rc = claim_commit(&c, 1, err);
            if (rc == 0 && finished)
                ++*finished;
        } else {
            rc = claim_release(&c, err);
            if (rc == 0 && requeued)
                ++*requeued;
        }
    }
    free(names);
    return rc;
}
