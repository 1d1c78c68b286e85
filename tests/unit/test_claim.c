/*
 * test_claim.c - unit tests for the claim protocol (claim.h).
 *
 * Claims, commits, releases, failures and recovery on a real job
 * directory, with forked processes as the other workers: a child that
 * holds a claim (or just the lock of a waiting tile) and sleeps is a live
 * owner, a child that exits without settling its claim is a dead one.
 * A race test lets several processes claim the same tiles at once: every
 * tile must be claimed exactly once.  A FIFO or a symbolic link in
 * tiles/ or claimed/ is never claimed nor waited on but refused (kind
 * "spool"); failed tiles are requeued, and an interrupted requeue is
 * finished.  Everything lives in a private temporary directory, removed
 * at the end.
 */
#include "claim.h"
#include "failrec.h"
#include "err.h"
#include "check.h"
#include "testfs.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top[256];
static char err[ERR_MAX];

/* jpath - jobdir/sub/name (name may be NULL) into out[PATH_MAX]; returns out. */
static char *jpath(char *out, const char *jobdir, const char *sub, const char *name)
{
    if (name)
        snprintf(out, PATH_MAX, "%.2000s/%s/%.1000s", jobdir, sub, name);
    else
        snprintf(out, PATH_MAX, "%.2000s/%s", jobdir, sub);
    return out;
}

static int exists_in(const char *jobdir, const char *sub, const char *name)
{
    char p[PATH_MAX];
    return access(jpath(p, jobdir, sub, name), F_OK) == 0;
}

static int count_in(const char *jobdir, const char *sub)
{
    char p[PATH_MAX];
    return spool_count(jpath(p, jobdir, sub, NULL));
}

/* content_of - first bytes of jobdir/sub/name into buf[64]; "" if unreadable. */
static const char *content_of(const char *jobdir, const char *sub, const char *name,
                              char buf[64])
{
    char p[PATH_MAX];
    FILE *f = fopen(jpath(p, jobdir, sub, name), "rb");
    size_t n = f ? fread(buf, 1, 63, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

/* make_job - a fresh job spool/<id> with tiles named in a NULL-ended list,
 * each holding its own name; jobdir gets its path. */
static int make_job(const char *id, const char **tiles, char *jobdir)
{
    char spool[PATH_MAX], p[PATH_MAX];
    snprintf(spool, sizeof spool, "%s/spool", top);
    snprintf(jobdir, PATH_MAX, "%s/spool/%s", top, id);
    rm_rf(jobdir);
    if (spool_job_create(spool, id, err) < 0)
        return -1;
    for (int i = 0; tiles && tiles[i]; i++) {
        FILE *f = fopen(jpath(p, jobdir, SPOOL_TILES, tiles[i]), "wb");
        if (!f)
            return -1;
        fputs(tiles[i], f);
        fclose(f);
    }
    return 0;
}

/* A forked process holding a claim or a lock until told to go. */
struct holder {
    pid_t pid;
    int go;                        /* write a byte here to make it exit */
    int rc;                        /* what its claim_tile returned */
    char entry[128];               /* its claimed/ entry */
};

struct report {
    int rc;
    char entry[128];
};

enum hold { HOLD_CLAIM, HOLD_LOCK };

/* holder_start - fork a child that claims (or only locks) jobdir/tiles/tile,
 * reports, then waits for a byte on its go pipe and exits without settling
 * anything.  Returns 0 or -1. */
static int holder_start(struct holder *h, const char *jobdir, const char *tile, enum hold how)
{
    int ready[2], go[2];
    if (pipe(ready) < 0)
        return -1;
    if (pipe(go) < 0) {
        close(ready[0]);
        close(ready[1]);
        return -1;
    }
    fflush(stdout);
    h->pid = fork();
    if (h->pid == 0) {
        struct report r = {0, ""};
        char e[ERR_MAX], p[PATH_MAX], b;
        close(ready[0]);
        close(go[1]);
        if (how == HOLD_CLAIM) {
            struct claim c;
            r.rc = claim_tile(jobdir, tile, &c, e);
            const char *slash = strrchr(c.path, '/');
            snprintf(r.entry, sizeof r.entry, "%s", slash ? slash + 1 : "");
        } else {
            int fd = open(jpath(p, jobdir, SPOOL_TILES, tile), O_RDONLY);
            r.rc = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : -1;
        }
        if (write(ready[1], &r, sizeof r) != (ssize_t)sizeof r)
            _exit(2);
        while (read(go[0], &b, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    if (h->pid < 0) {
        close(ready[0]);
        close(go[1]);
        return -1;
    }
    struct report r;
    ssize_t n;
    while ((n = read(ready[0], &r, sizeof r)) < 0 && errno == EINTR)
        ;
    close(ready[0]);
    h->go = go[1];
    h->rc = n == (ssize_t)sizeof r ? r.rc : -9;
    snprintf(h->entry, sizeof h->entry, "%s", n == (ssize_t)sizeof r ? r.entry : "");
    return n == (ssize_t)sizeof r ? 0 : -1;
}

/* holder_stop - tell the holder to exit and reap it; returns its exit status. */
static int holder_stop(struct holder *h)
{
    int status = -1;
    if (write(h->go, "x", 1) != 1)
        kill(h->pid, SIGKILL);
    close(h->go);
    while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* child_claim - claim_tile in a forked child; returns what it returned. */
static int child_claim(const char *jobdir, const char *tile)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        struct claim c;
        char e[ERR_MAX];
        int rc = claim_tile(jobdir, tile, &c, e);
        _exit(rc < 0 ? 100 : rc);
    }
    int status = -1;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? (WEXITSTATUS(status) == 100 ? -1 : WEXITSTATUS(status)) : -9;
}

static void test_claim_basic(void)
{
    static const char *tiles[] = {"r0c0.ppm", "r0c1.ppm", "r1c0.ppm", "r1c1.ppm", NULL};
    char jobdir[PATH_MAX], entry[256], buf[64];
    struct claim c;

    if (make_job("basic", tiles, jobdir) < 0) {
        CHECK(0, "make a job", "%s", err);
        return;
    }
    snprintf(entry, sizeof entry, "r0c0.ppm@%s.%ld", spool_node(), (long)getpid());
    int rc = claim_tile(jobdir, "r0c0.ppm", &c, err);
    CHECK(rc == 0 && c.fd >= 0 && strcmp(c.tile, "r0c0.ppm") == 0 &&
              !exists_in(jobdir, SPOOL_TILES, "r0c0.ppm") &&
              exists_in(jobdir, SPOOL_CLAIMED, entry) && strstr(c.path, entry) &&
              strcmp(content_of(jobdir, SPOOL_CLAIMED, entry, buf), "r0c0.ppm") == 0,
          "claim_tile moves tiles/T to claimed/T@node.pid", "rc %d err '%s' path '%s'", rc,
          err, c.path);

    rc = child_claim(jobdir, "r0c0.ppm");
    CHECK(rc == 1 && exists_in(jobdir, SPOOL_CLAIMED, entry),
          "a second claim from another process returns 1", "rc %d", rc);
    struct claim c2;
    rc = claim_tile(jobdir, "r0c0.ppm", &c2, err);
    CHECK(rc == 1, "a second claim from the same process returns 1", "rc %d", rc);
    rc = claim_adopt(jobdir, entry, &c2, err);
    CHECK(rc == 1 && c2.fd == -1 && exists_in(jobdir, SPOOL_CLAIMED, entry),
          "claim_adopt of a claim we hold returns 1", "rc %d", rc);

    rc = claim_commit(&c, 1, err);
    CHECK(rc == 0 && c.fd == -1 && !exists_in(jobdir, SPOOL_CLAIMED, entry) &&
              strcmp(content_of(jobdir, SPOOL_DONE, "r0c0.ppm", buf), "r0c0.ppm") == 0,
          "claim_commit keep=1 moves it to done/", "rc %d err '%s'", rc, err);

    rc = claim_tile(jobdir, "r0c1.ppm", &c, err);
    int rc2 = rc == 0 ? claim_commit(&c, 0, err) : -5;
    CHECK(rc2 == 0 && c.fd == -1 && count_in(jobdir, SPOOL_CLAIMED) == 0 &&
              !exists_in(jobdir, SPOOL_DONE, "r0c1.ppm") &&
              !exists_in(jobdir, SPOOL_TILES, "r0c1.ppm"),
          "claim_commit keep=0 removes it", "rc %d/%d err '%s'", rc, rc2, err);

    rc = claim_tile(jobdir, "r1c0.ppm", &c, err);
    rc2 = rc == 0 ? claim_release(&c, err) : -5;
    CHECK(rc2 == 0 && c.fd == -1 && count_in(jobdir, SPOOL_CLAIMED) == 0 &&
              strcmp(content_of(jobdir, SPOOL_TILES, "r1c0.ppm", buf), "r1c0.ppm") == 0,
          "claim_release puts it back in tiles/", "rc %d/%d err '%s'", rc, rc2, err);
    rc = claim_tile(jobdir, "r1c0.ppm", &c, err);
    CHECK(rc == 0, "a released tile can be claimed again", "rc %d err '%s'", rc, err);
    if (rc == 0)
        claim_release(&c, err);

    /* someone holds the lock of a waiting tile (between its lock and rename) */
    struct holder h;
    if (holder_start(&h, jobdir, "r1c1.ppm", HOLD_LOCK) == 0 && h.rc == 0) {
        rc = claim_tile(jobdir, "r1c1.ppm", &c, err);
        CHECK(rc == 1 && exists_in(jobdir, SPOOL_TILES, "r1c1.ppm") &&
                  count_in(jobdir, SPOOL_CLAIMED) == 0,
              "claim_tile of a tile whose lock is taken returns 1 and moves nothing",
              "rc %d", rc);
        holder_stop(&h);
        rc = claim_tile(jobdir, "r1c1.ppm", &c, err);
        CHECK(rc == 0, "claim_tile once the locker is gone", "rc %d err '%s'", rc, err);
        if (rc == 0)
            claim_release(&c, err);
    } else {
        CHECK(0, "lock holder", "could not start");
    }

    rc = claim_tile(jobdir, "r9c9.ppm", &c, err);
    CHECK(rc == 1 && c.fd == -1, "claim_tile of a missing tile returns 1", "rc %d", rc);

    /* claimed/ is gone (damaged job): the tile is there and nobody holds
     * it, so "another worker has it" (1) would be a lie that leaves the
     * tile unprocessed forever; it must be an error */
    char p[PATH_MAX];
    rmdir(jpath(p, jobdir, SPOOL_CLAIMED, NULL));
    err[0] = '\0';
    rc = claim_tile(jobdir, "r1c1.ppm", &c, err);
    CHECK(rc == -1 && err[0] != '\0' && exists_in(jobdir, SPOOL_TILES, "r1c1.ppm"),
          "claim_tile without claimed/ is an error, not a lost race",
          "rc %d (1 = 'another worker has it') err '%s'", rc, err);
    if (rc == 0)
        claim_close(&c);
    mkdir(p, 0777);
}

static void test_adopt(void)
{
    static const char *tiles[] = {"r0c0.ppm", "r0c1.ppm", NULL};
    char jobdir[PATH_MAX], buf[64];
    struct claim c;
    struct holder h;

    if (make_job("adopt", tiles, jobdir) < 0 ||
        holder_start(&h, jobdir, "r0c0.ppm", HOLD_CLAIM) < 0 || h.rc != 0) {
        CHECK(0, "adopt setup", "%s", err);
        return;
    }
    char want[128];
    snprintf(want, sizeof want, "r0c0.ppm@%s.%ld", spool_node(), (long)h.pid);
    CHECK(strcmp(h.entry, want) == 0 && exists_in(jobdir, SPOOL_CLAIMED, want),
          "the child's claim carries its pid", "entry '%s' want '%s'", h.entry, want);

    int rc = claim_adopt(jobdir, h.entry, &c, err);
    CHECK(rc == 1 && c.fd == -1 && exists_in(jobdir, SPOOL_CLAIMED, h.entry),
          "claim_adopt of a live owner's claim returns 1", "rc %d", rc);
    int requeued = 0, finished = 0;
    rc = claim_recover(jobdir, &requeued, &finished, err);
    CHECK(rc == 0 && requeued == 0 && finished == 0 &&
              exists_in(jobdir, SPOOL_CLAIMED, h.entry),
          "claim_recover leaves a live claim alone", "rc %d requeued %d finished %d err '%s'",
          rc, requeued, finished, err);

    int status = holder_stop(&h);   /* exits without settling its claim */
    rc = claim_adopt(jobdir, h.entry, &c, err);
    CHECK(status == 0 && rc == 0 && c.fd >= 0 && strcmp(c.tile, "r0c0.ppm") == 0 &&
              strstr(c.path, h.entry) != NULL,
          "claim_adopt of a dead owner's claim returns 0", "status %d rc %d err '%s'", status,
          rc, err);
    if (rc == 0) {
        struct claim c2;
        int rc2 = claim_adopt(jobdir, h.entry, &c2, err);
        CHECK(rc2 == 1, "an adopted claim cannot be adopted twice", "rc %d", rc2);
        rc = claim_commit(&c, 1, err);
        CHECK(rc == 0 && count_in(jobdir, SPOOL_CLAIMED) == 0 &&
                  strcmp(content_of(jobdir, SPOOL_DONE, "r0c0.ppm", buf), "r0c0.ppm") == 0,
              "an adopted claim commits to done/", "rc %d err '%s'", rc, err);
    }

    rc = claim_adopt(jobdir, "r0c1.ppm@host.1", &c, err);
    CHECK(rc == 1, "claim_adopt of an entry that is gone returns 1", "rc %d", rc);
    err[0] = '\0';
    rc = claim_adopt(jobdir, "no-at-sign", &c, err);
    CHECK(rc == -1 && strstr(err, "no-at-sign") && strstr(err, "not a claim name"),
          "claim_adopt of a malformed entry", "rc %d err '%s'", rc, err);
}

static void test_fail(void)
{
    static const char *tiles[] = {"r2c3.png", NULL};
    char jobdir[PATH_MAX], p[PATH_MAX], buf[64];
    struct claim c;

    if (make_job("fail", tiles, jobdir) < 0 || claim_tile(jobdir, "r2c3.png", &c, err) != 0) {
        CHECK(0, "fail setup", "%s", err);
        return;
    }
    int rc = claim_fail(&c, "trap", "filter sharpen: trap in tsf_process: \"oob\"", 3, 4711,
                        err);
    CHECK(rc == 0 && c.fd == -1 && count_in(jobdir, SPOOL_CLAIMED) == 0 &&
              strcmp(content_of(jobdir, SPOOL_FAILED, "r2c3.png", buf), "r2c3.png") == 0 &&
              count_in(jobdir, SPOOL_TMP) == 0,
          "claim_fail moves the tile to failed/", "rc %d err '%s'", rc, err);

    FILE *f = fopen(jpath(p, jobdir, SPOOL_FAILED, "r2c3.png.json"), "rb");
    char text[4096] = "";
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    cJSON *o = cJSON_Parse(text);
    cJSON *tile = cJSON_GetObjectItem(o, "tile"), *kind = cJSON_GetObjectItem(o, "kind");
    cJSON *reason = cJSON_GetObjectItem(o, "reason"), *att = cJSON_GetObjectItem(o, "attempts");
    cJSON *pid = cJSON_GetObjectItem(o, "pid"), *when = cJSON_GetObjectItem(o, "time");
    CHECK(o && cJSON_IsObject(o), "failed/T.json is a JSON object", "text '%s'", text);
    CHECK(cJSON_IsString(tile) && strcmp(tile->valuestring, "r2c3.png") == 0 &&
              cJSON_IsString(kind) && strcmp(kind->valuestring, "trap") == 0 &&
              cJSON_IsString(reason) &&
              strcmp(reason->valuestring, "filter sharpen: trap in tsf_process: \"oob\"") == 0,
          "failed/T.json: tile, kind, reason", "text '%s'", text);
    CHECK(cJSON_IsNumber(att) && att->valuedouble == 3 && cJSON_IsNumber(pid) &&
              pid->valuedouble == 4711,
          "failed/T.json: attempts, pid", "text '%s'", text);
    CHECK(cJSON_IsString(when) && strlen(when->valuestring) == 20 &&
              when->valuestring[4] == '-' && when->valuestring[10] == 'T' &&
              when->valuestring[19] == 'Z',
          "failed/T.json: time is UTC ISO 8601", "time '%s'",
          cJSON_IsString(when) ? when->valuestring : "?");
    cJSON_Delete(o);
}

static void test_recover(void)
{
    static const char *tiles[] = {"live.ppm", NULL};
    char jobdir[PATH_MAX], p[PATH_MAX], buf[64];
    struct holder h;

    if (make_job("recover", tiles, jobdir) < 0 ||
        holder_start(&h, jobdir, "live.ppm", HOLD_CLAIM) < 0 || h.rc != 0) {
        CHECK(0, "recover setup", "%s", err);
        return;
    }
    /* dead claims: nobody holds their lock */
    static const char *dead[] = {"a.ppm@n1.99999", "b.ppm@n1.99998", "c.ppm@other_host.7"};
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(jpath(p, jobdir, SPOOL_CLAIMED, dead[i]), "wb");
        if (f) {
            fputs(dead[i], f);
            fclose(f);
        }
    }
    FILE *f = fopen(jpath(p, jobdir, SPOOL_OUT, "b.ppm"), "wb");   /* b was finished */
    if (f)
        fclose(f);
    /* a and b died inside claim_fail: the reason was written, the claim not moved */
    static const char *stale[] = {"a.ppm.json", "b.ppm.json"};
    for (int i = 0; i < 2; i++) {
        f = fopen(jpath(p, jobdir, SPOOL_FAILED, stale[i]), "wb");
        if (f) {
            fputs("{}", f);
            fclose(f);
        }
    }

    int requeued = 0, finished = 0;
    int rc = claim_recover(jobdir, &requeued, &finished, err);
    CHECK(rc == 0 && requeued == 2 && finished == 1, "claim_recover counts",
          "rc %d requeued %d finished %d err '%s'", rc, requeued, finished, err);
    CHECK(strcmp(content_of(jobdir, SPOOL_TILES, "a.ppm", buf), "a.ppm@n1.99999") == 0 &&
              strcmp(content_of(jobdir, SPOOL_TILES, "c.ppm", buf), "c.ppm@other_host.7") == 0,
          "dead claims without out/T are requeued", "tiles: %d", count_in(jobdir, SPOOL_TILES));
    CHECK(strcmp(content_of(jobdir, SPOOL_DONE, "b.ppm", buf), "b.ppm@n1.99998") == 0 &&
              !exists_in(jobdir, SPOOL_TILES, "b.ppm") && exists_in(jobdir, SPOOL_OUT, "b.ppm"),
          "a dead claim with out/T goes to done/", "done: %d", count_in(jobdir, SPOOL_DONE));
    CHECK(!exists_in(jobdir, SPOOL_FAILED, "a.ppm.json") &&
              !exists_in(jobdir, SPOOL_FAILED, "b.ppm.json"),
          "recovery drops the reasons of failures that never settled", "failed: %d",
          count_in(jobdir, SPOOL_FAILED));
    CHECK(count_in(jobdir, SPOOL_CLAIMED) == 1 && exists_in(jobdir, SPOOL_CLAIMED, h.entry),
          "the live claim stays", "claimed: %d", count_in(jobdir, SPOOL_CLAIMED));

    rc = claim_recover(jobdir, NULL, NULL, err);
    CHECK(rc == 0 && count_in(jobdir, SPOOL_CLAIMED) == 1, "claim_recover again: nothing moves",
          "rc %d err '%s'", rc, err);

    holder_stop(&h);
    requeued = finished = 0;
    rc = claim_recover(jobdir, &requeued, &finished, err);
    CHECK(rc == 0 && requeued == 1 && finished == 0 && count_in(jobdir, SPOOL_CLAIMED) == 0 &&
              strcmp(content_of(jobdir, SPOOL_TILES, "live.ppm", buf), "live.ppm") == 0,
          "the claim of an owner that died is requeued", "rc %d requeued %d finished %d",
          rc, requeued, finished);

    char empty[PATH_MAX];
    if (make_job("empty", NULL, empty) == 0) {
        requeued = finished = 0;
        rc = claim_recover(empty, &requeued, &finished, err);
        CHECK(rc == 0 && requeued == 0 && finished == 0, "claim_recover of an empty job",
              "rc %d", rc);
    }
}

/* read_record - kind and attempts of failed/<tile>.json (failrec_read). */
static int read_record(const char *jobdir, const char *tile, char kind[16], int *attempts,
                       char *err)
{
    struct failrec r;
    int rc = failrec_read(jobdir, tile, &r, err);
    snprintf(kind, 16, "%s", r.kind);
    *attempts = r.attempts;
    return rc;
}

static void test_tile_of(void)
{
    char out[SPOOL_TILE_NAME_MAX], name[SPOOL_TILE_NAME_MAX + 16];

    int rc = claim_name_parse("r03c07.ppm@host.4711", out, NULL, NULL);
    CHECK(rc == 0 && strcmp(out, "r03c07.ppm") == 0, "claim_name_parse", "rc %d out '%s'", rc, out);
    rc = claim_name_parse("t@a@b.1", out, NULL, NULL);
    CHECK(rc == 0 && strcmp(out, "t") == 0, "claim_name_parse splits at the first '@'",
          "rc %d out '%s'", rc, out);
    CHECK(claim_name_parse("r0c0.ppm", out, NULL, NULL) == -1, "claim_name_parse without '@'", "accepted");
    CHECK(claim_name_parse("@host.1", out, NULL, NULL) == -1, "claim_name_parse with an empty tile", "accepted");
    CHECK(claim_name_parse("", out, NULL, NULL) == -1, "claim_name_parse of an empty string", "accepted");
    memset(name, 't', SPOOL_TILE_NAME_MAX - 1);
    snprintf(name + SPOOL_TILE_NAME_MAX - 1, 16, "@h.1");
    rc = claim_name_parse(name, out, NULL, NULL);
    CHECK(rc == 0 && strlen(out) == SPOOL_TILE_NAME_MAX - 1, "claim_name_parse: 63-char tile",
          "rc %d", rc);
    memset(name, 't', SPOOL_TILE_NAME_MAX);
    snprintf(name + SPOOL_TILE_NAME_MAX, 16, "@h.1");
    CHECK(claim_name_parse(name, out, NULL, NULL) == -1, "claim_name_parse: 64-char tile is refused",
          "accepted");

    char entry[CLAIM_NAME_MAX], node[SPOOL_NODE_MAX];
    long pid = 0;
    claim_name("r03c07.ppm", "host", 4711, entry);
    rc = claim_name_parse(entry, out, node, &pid);
    CHECK(rc == 0 && strcmp(entry, "r03c07.ppm@host.4711") == 0 &&
              strcmp(out, "r03c07.ppm") == 0 &&
              strcmp(node, "host") == 0 && pid == 4711,
          "claim_name and claim_name_parse agree", "rc %d '%s' '%s' '%s' %ld", rc, entry, out, node,
          pid);
    rc = claim_name_parse("t.ppm@a.b.12", out, node, &pid);
    CHECK(rc == 0 && strcmp(node, "a.b") == 0 && pid == 12,
          "claim_name_parse: the pid follows the last '.'", "node '%s' pid %ld", node, pid);
    rc = claim_name_parse("t.ppm@host", out, node, &pid);
    CHECK(rc == 0 && node[0] == '\0' && pid == 0, "claim_name_parse: no pid, no node",
          "node '%s' pid %ld", node, pid);
    CHECK(failrec_tile_of("r0c0.ppm.json", out) == 0 && strcmp(out, "r0c0.ppm") == 0 &&
              failrec_tile_of(".json", out) < 0 && failrec_tile_of("r0c0.ppm", out) < 0,
          "failrec_tile_of: T.json only", "'%s'", out);
}

#define RACE_PROCS 6
#define RACE_TILES 48
#define RACE_ROUNDS 4

/* race_child - claim every tile in an order of its own; exit with the count. */
static void race_child(const char *jobdir, int k, int barrier)
{
    char b, tile[32];
    while (read(barrier, &b, 1) < 0 && errno == EINTR)
        ;
    int got = 0;
    for (int i = 0; i < RACE_TILES; i++) {
        int t = k % 2 ? (i + k * 7) % RACE_TILES : (RACE_TILES - 1 - i + k * 5) % RACE_TILES;
        struct claim c;
        char e[ERR_MAX];
        snprintf(tile, sizeof tile, "t%02d.ppm", t);
        int rc = claim_tile(jobdir, tile, &c, e);
        if (rc < 0)
            _exit(200);
        got += rc == 0;
    }
    _exit(got);   /* the claims stay in claimed/ under this pid */
}

static void test_race(void)
{
    static const char *no_tiles[] = {NULL};
    char jobdir[PATH_MAX], p[PATH_MAX], tile[32];

    for (int round = 0; round < RACE_ROUNDS; round++) {
        char id[16], name[64];
        snprintf(id, sizeof id, "race%d", round);
        if (make_job(id, no_tiles, jobdir) < 0) {
            CHECK(0, "race setup", "%s", err);
            return;
        }
        for (int t = 0; t < RACE_TILES; t++) {
            snprintf(tile, sizeof tile, "t%02d.ppm", t);
            FILE *f = fopen(jpath(p, jobdir, SPOOL_TILES, tile), "wb");
            if (f)
                fclose(f);
        }
        int barrier[2];
        if (pipe(barrier) < 0)
            return;
        pid_t pids[RACE_PROCS];
        fflush(stdout);
        for (int k = 0; k < RACE_PROCS; k++) {
            pids[k] = fork();
            if (pids[k] == 0) {
                close(barrier[1]);
                race_child(jobdir, k, barrier[0]);
            }
        }
        close(barrier[0]);
        char go[RACE_PROCS];
        memset(go, 'g', sizeof go);
        ssize_t wr = write(barrier[1], go, sizeof go);
        close(barrier[1]);

        int total = 0, bad = wr != (ssize_t)sizeof go, per[RACE_PROCS];
        for (int k = 0; k < RACE_PROCS; k++) {
            int status;
            while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
                ;
            per[k] = WIFEXITED(status) && WEXITSTATUS(status) <= RACE_TILES
                         ? WEXITSTATUS(status) : -1;
            bad |= per[k] < 0;
            total += per[k];
        }

        /* every tile in exactly one claim, claims attributed to the right pid */
        char **names;
        int n = spool_list(jpath(p, jobdir, SPOOL_CLAIMED, NULL), &names, err);
        int seen[RACE_TILES] = {0}, by_pid[RACE_PROCS] = {0}, foreign = 0;
        for (int i = 0; i < n; i++) {
            char t[SPOOL_TILE_NAME_MAX];
            int idx;
            const char *dot = strrchr(names[i], '.');
            long pid = dot ? atol(dot + 1) : 0;
            if (claim_name_parse(names[i], t, NULL, NULL) == 0 && sscanf(t, "t%d.ppm", &idx) == 1 && idx >= 0 &&
                idx < RACE_TILES)
                seen[idx]++;
            else
                foreign++;
            int k = 0;
            while (k < RACE_PROCS && pids[k] != pid)
                k++;
            if (k < RACE_PROCS)
                by_pid[k]++;
            else
                foreign++;
        }
        free(names);
        int once = 1, attributed = 1;
        for (int t = 0; t < RACE_TILES; t++)
            once &= seen[t] == 1;
        for (int k = 0; k < RACE_PROCS; k++)
            attributed &= by_pid[k] == per[k];
        snprintf(name, sizeof name, "race round %d: every tile claimed exactly once", round + 1);
        CHECK(!bad && total == RACE_TILES && n == RACE_TILES && once && foreign == 0 &&
                  count_in(jobdir, SPOOL_TILES) == 0,
              name, "bad %d successes %d, claimed entries %d, foreign %d, left in tiles/ %d",
              bad, total, n, foreign, count_in(jobdir, SPOOL_TILES));
        snprintf(name, sizeof name, "race round %d: claims carry the winner's pid", round + 1);
        CHECK(attributed, name, "per-process successes and claimed entries differ");
    }
}

static void test_refuse(void)
{
    static const char *tiles[] = {"r0c0.png", "r0c1.png", NULL};
    char jobdir[PATH_MAX], p[PATH_MAX], q[PATH_MAX], kind[16];
    struct claim c;
    int attempts = 0;

    if (make_job("refuse", tiles, jobdir) < 0) {
        CHECK(0, "refuse setup", "%s", err);
        return;
    }
    unlink(jpath(p, jobdir, SPOOL_TILES, "r0c0.png"));
    mkfifo(p, 0666);
    unlink(jpath(p, jobdir, SPOOL_TILES, "r0c1.png"));
    symlink(jpath(q, jobdir, SPOOL_DONE, "elsewhere.png"), p);
    alarm(10);          /* a regression that blocks on the FIFO dies */
    int r0 = claim_tile(jobdir, "r0c0.png", &c, err);
    CHECK(r0 == 2 && strstr(err, "a FIFO"), "claim_tile: a FIFO is 2, not claimed or waited on",
          "rc %d err '%s'", r0, err);
    int r1 = claim_tile(jobdir, "r0c1.png", &c, err);
    alarm(0);
    CHECK(r1 == 2 && strstr(err, "a symbolic link"), "claim_tile: a link is 2, not followed",
          "rc %d err '%s'", r1, err);
    int rc = claim_refuse(jobdir, SPOOL_TILES, "r0c0.png", "r0c0.png", "is a FIFO", err);
    CHECK(rc == 0 && !exists_in(jobdir, SPOOL_TILES, "r0c0.png") &&
              exists_in(jobdir, SPOOL_FAILED, "r0c0.png") && count_in(jobdir, SPOOL_TMP) == 0,
          "claim_refuse moves the FIFO to failed/", "rc %d err '%s'", rc, err);
    rc = read_record(jobdir, "r0c0.png", kind, &attempts, err);
    CHECK(rc == 0 && strcmp(kind, "spool") == 0 && attempts == 1,
          "claim_refuse: the record says kind spool", "rc %d kind '%s'", rc, kind);
    rc = claim_refuse(jobdir, SPOOL_TILES, "r0c0.png", "r0c0.png", "is a FIFO", err);
    CHECK(rc == 1, "claim_refuse: a rival that comes second gets 1", "rc %d err '%s'", rc, err);

    /* a link in claimed/: recovery refuses it instead of stopping */
    rename(jpath(p, jobdir, SPOOL_TILES, "r0c1.png"),
           jpath(q, jobdir, SPOOL_CLAIMED, "r0c1.png@node.1"));
    int requeued = 0, finished = 0;
    struct stat st;
    rc = claim_recover(jobdir, &requeued, &finished, err);
    CHECK(rc == 0 && requeued == 0 && lstat(jpath(p, jobdir, SPOOL_FAILED, "r0c1.png"), &st) == 0 &&
              S_ISLNK(st.st_mode) &&
              count_in(jobdir, SPOOL_CLAIMED) == 0,
          "claim_recover refuses a link in claimed/", "rc %d err '%s'", rc, err);
}

/* write_record - failed/<tile>.json of kind and attempts, as claim_fail writes it */
static void write_record(const char *jobdir, const char *tile, const char *kind, int attempts)
{
    char p[PATH_MAX], name[96];
    snprintf(name, sizeof name, "%s.json", tile);
    FILE *f = fopen(jpath(p, jobdir, SPOOL_FAILED, name), "w");
    if (f) {
        fprintf(f, "{\"tile\": \"%s\", \"kind\": \"%s\", \"attempts\": %d}\n", tile, kind,
                attempts);
        fclose(f);
    }
}

static void test_requeue(void)
{
    static const char *tiles[] = {"r1c1.png", NULL};
    char jobdir[PATH_MAX], p[PATH_MAX], q[PATH_MAX], kind[16] = "", buf[64];
    int attempts = 0;

    if (make_job("requeue", tiles, jobdir) < 0) {
        CHECK(0, "requeue setup", "%s", err);
        return;
    }
    rename(jpath(p, jobdir, SPOOL_TILES, "r1c1.png"), jpath(q, jobdir, SPOOL_FAILED, "r1c1.png"));
    write_record(jobdir, "r1c1.png", "timeout", 2);
    int rc = read_record(jobdir, "r1c1.png", kind, &attempts, err);
    CHECK(rc == 0 && strcmp(kind, "timeout") == 0 && attempts == 2,
          "failrec_read: kind and attempts", "rc %d kind '%s' attempts %d", rc, kind,
          attempts);
    CHECK(read_record(jobdir, "r9c9.png", kind, &attempts, err) == 1,
          "failrec_read: no record is 1", "%s", err);
    FILE *f = fopen(jpath(p, jobdir, SPOOL_FAILED, "r8c8.png.json"), "w");
    if (f) {
        fputs("{\"kind\": \"trap\", \"reason\": \"why\"}", f);
        fclose(f);
    }
    struct failrec fr;
    rc = failrec_read(jobdir, "r8c8.png", &fr, err);
    CHECK(rc == 2 && strcmp(fr.kind, "trap") == 0 && strcmp(fr.reason, "why") == 0 &&
              strstr(err, "not a failure record"),
          "failrec_read: a record without attempts is 2, with what it has", "rc %d err '%s'", rc,
          err);
    f = fopen(p, "w");
    if (f) {
        fputs("[1, 2", f);
        fclose(f);
    }
    rc = failrec_read(jobdir, "r8c8.png", &fr, err);
    CHECK(rc == -1 && strstr(err, "not a JSON object"), "failrec_read: damaged is -1",
          "rc %d err '%s'", rc, err);
    unlink(p);
    rc = claim_requeue(jobdir, "r1c1.png", err);
    CHECK(rc == 0 && count_in(jobdir, SPOOL_FAILED) == 0 &&
              strcmp(content_of(jobdir, SPOOL_TILES, "r1c1.png", buf), "r1c1.png") == 0,
          "claim_requeue: back in tiles/, record removed", "rc %d err '%s'", rc, err);
    CHECK(claim_requeue(jobdir, "r1c1.png", err) == 1, "claim_requeue: gone is 1", "%s", err);

    /* interrupted after the rename: the record beside the waiting tile */
    write_record(jobdir, "r1c1.png", "timeout", 1);
    rc = claim_requeue_finish(jobdir, "r1c1.png", err);
    CHECK(rc == 0 && count_in(jobdir, SPOOL_FAILED) == 0,
          "claim_requeue_finish removes a record beside a waiting tile", "rc %d", rc);
    /* a record beside a claimed tile belongs to a claim_fail in progress */
    struct claim c;
    if (claim_tile(jobdir, "r1c1.png", &c, err) == 0) {
        write_record(jobdir, "r1c1.png", "trap", 1);
        rc = claim_requeue_finish(jobdir, "r1c1.png", err);
        CHECK(rc == 0 && count_in(jobdir, SPOOL_FAILED) == 1,
              "claim_requeue_finish leaves a record beside a claimed tile", "rc %d", rc);
        claim_close(&c);
    }
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(top, sizeof top, "%.200s/test_claim.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(top)) {
        perror(top);
        return 2;
    }
    test_claim_basic();
    test_adopt();
    test_fail();
    test_recover();
    test_tile_of();
    test_race();
    test_refuse();
    test_requeue();
    CHECK(rm_rf(top) == 0 && access(top, F_OK) != 0, "temporary directory removed", "%s", top);
    CHECK_DONE();
}
