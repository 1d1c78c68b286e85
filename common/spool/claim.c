/*
 * claim.c - claim, commit, release, fail and recover tiles (claim.h).
 */
#include "claim.h"
#include "err.h"
#include "failrec.h"
#include "spool_flock.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void claim_name(const char *tile, const char *node, long pid, char out[CLAIM_NAME_MAX])
{
    assert(strlen(tile) < SPOOL_TILE_NAME_MAX && strlen(node) < SPOOL_NODE_MAX && pid > 0);
    snprintf(out, CLAIM_NAME_MAX, "%s@%s.%ld", tile, node, pid);
}

int claim_name_parse(const char *entry, char tile[SPOOL_TILE_NAME_MAX], char node[SPOOL_NODE_MAX],
                     long *pid)
{
    const char *at = strchr(entry, '@');
    if (!at || at == entry || (size_t)(at - entry) >= SPOOL_TILE_NAME_MAX)
        return -1;
    memcpy(tile, entry, (size_t)(at - entry));
    tile[at - entry] = '\0';
    const char *dot = strrchr(at, '.');
    if (node)
        snprintf(node, SPOOL_NODE_MAX, "%.*s", dot ? (int)(dot - at - 1) : 0, at + 1);
    if (pid)
        *pid = dot ? strtol(dot + 1, NULL, 10) : 0;
    return 0;
}

const char *claim_entry(const struct claim *c)
{
    const char *slash = strrchr(c->path, '/');
    assert(c->fd >= 0 && slash);
    return slash + 1;
}

int claim_tile(const char *jobdir, const char *tile, struct claim *c, char *err)
{
    char from[PATH_MAX], entry[CLAIM_NAME_MAX];
    memset(c, 0, sizeof *c);
    c->fd = -1;
    snprintf(c->jobdir, sizeof c->jobdir, "%s", jobdir);
    snprintf(c->tile, sizeof c->tile, "%s", tile);
    claim_name(tile, spool_node(), (long)getpid(), entry);
    if (spool_path(from, jobdir, SPOOL_TILES, tile, err) < 0 ||
        spool_path(c->path, jobdir, SPOOL_CLAIMED, entry, err) < 0)
        return -1;
    int fd = spool_flock_try(from, err);
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
    if (claim_name_parse(entry, c->tile, NULL, NULL) < 0)
        return errf(err, "%s/%s/%s: not a claim name (T@node.pid)", jobdir, SPOOL_CLAIMED,
                    entry);
    if (spool_path(c->path, jobdir, SPOOL_CLAIMED, entry, err) < 0)
        return -1;
    int fd = spool_flock_try(c->path, err);
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

int claim_fail(struct claim *c, const char *kind, const char *reason, int attempts, long pid,
               char *err)
{
    if (failrec_write(c->jobdir, c->tile, kind, reason, attempts, pid, err) < 0) {
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
        failrec_write(jobdir, tile, "spool", reason, 1, (long)getpid(), err) < 0)
        return -1;
    /* no lock can be had on such a name: the rename alone decides who
     * settles it, and a loser has only rewritten the same reason */
    return spool_rename(from, to, err);
}

int claim_requeue(const char *jobdir, const char *tile, char *err)
{
    char from[PATH_MAX], to[PATH_MAX];
    if (spool_path(from, jobdir, SPOOL_FAILED, tile, err) < 0 ||
        spool_path(to, jobdir, SPOOL_TILES, tile, err) < 0)
        return -1;
    int r = spool_rename(from, to, err);
    if (r != 0)
        return r;
    /* a crash here leaves the record beside a waiting tile: the next
     * claim_requeue_finish removes it */
    return failrec_remove(jobdir, tile, err);
}

int claim_requeue_finish(const char *jobdir, const char *tile, char *err)
{
    char path[PATH_MAX];
    struct stat st;
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
    if (failrec_path(path, jobdir, tile, err) < 0 || lstat(path, &st) < 0)
        return 0;
    return spool_unlink(path, err);
}

int claim_recover(const char *jobdir, int *requeued, int *finished, char *err)
{
    char dir[PATH_MAX], out[PATH_MAX];
    char **names;
    int n = spool_list_sub(jobdir, SPOOL_CLAIMED, dir, &names, err);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct claim c;
        char tile[SPOOL_TILE_NAME_MAX];
        if (claim_name_parse(names[i], tile, NULL, NULL) < 0)
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
        /* a failed/T.json beside the claim is the reason of a failure that
         * never settled (claim_fail interrupted before its rename): it must
         * not outlive the attempt it describes */
        if (spool_path(out, jobdir, SPOOL_OUT, c.tile, err) < 0 ||
            failrec_remove(jobdir, c.tile, err) < 0) {
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
