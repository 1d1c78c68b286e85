/*
 * jobscan.c - read-only snapshot of a job: tile states, claims, failures
 * (jobscan.h).
 */
#include "jobscan.h"
#include "claim.h"
#include "failrec.h"
#include "global_stats.h"
#include "spool_flock.h"
#include "tile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const job_state_names[] = {"splitting", "incomplete", "invalid", "queued",
                                              "running",   "stalled",    "done",    "failed"};
static const char *const tile_state_names[] = {"waiting", "claimed", "done", "failed"};

const char *jobscan_state_name(enum job_state s) { return job_state_names[s]; }
const char *tile_state_name(enum tile_state s) { return tile_state_names[s]; }

int jobscan_list(const char *spool, char ***ids, char *err)
{
    struct stat st;
    *ids = NULL;
    if (stat(spool, &st) < 0)
        return errno == ENOENT ? -2 : errf_sys(err, "%s", spool);
    if (!S_ISDIR(st.st_mode))
        return errf(err, "%s: not a directory", spool);
    char **names;
    int n = spool_list(spool, &names, err);
    if (n < 0)
        return -1;
    /* keep job ids only, in place: the strings stay in the same block */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (manifest_job_id_ok(names[i]))
            names[k++] = names[i];
    if (k == 0) {
        free(names);
        names = NULL;
    }
    *ids = names;
    return k;
}

/* mark - record that tile `name` was seen in state s (later states win). */
static int mark(struct job_scan *js, const char *name, enum tile_state s)
{
    uint32_t r, c;
    if (tile_parse_name(js->m, name, &r, &c) < 0)
        return -1;
    uint8_t *t = &js->tiles[(size_t)r * js->m->cols + c];
    if (*t < s)
        *t = (uint8_t)s;
    return 0;
}

/* read_claim - one entry of claimed/ into cl: its tile, owner, whether
 * the owner lives, its age.  Returns 0, 1 if it is not a claim of this
 * job or has moved on since the listing, -1 with err on error. */
static int read_claim(struct job_scan *js, const char *dir, const char *entry,
                      struct js_claim *cl, char *err)
{
    char path[PATH_MAX];
    struct stat st;
    if (claim_name_parse(entry, cl->tile, cl->node, &cl->pid) < 0)
        return 1;
    if (spool_path(path, dir, entry, NULL, err) < 0)
        return -1;
    int held = spool_flock_held(path, 0, err);
    if (held < 0 || held == 2)
        return held < 0 ? -1 : 1;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 1 : errf_sys(err, "%s", path);
    if (mark(js, cl->tile, TILE_CLAIMED) < 0)
        return 1;           /* not a tile of this job: not ours to show */
    snprintf(cl->entry, sizeof cl->entry, "%s", entry);
    cl->alive = held;
    cl->age = difftime(time(NULL), st.st_ctime);
    return 0;
}

/* scan_claims - claimed/: mark each claim and test its owner's lock. */
static int scan_claims(struct job_scan *js, char *err)
{
    char dir[PATH_MAX];
    char **names;
    int n = spool_list_sub(js->dir, SPOOL_CLAIMED, dir, &names, err);
    if (n < 0)
        return -1;
    js->claims = n ? calloc((size_t)n, sizeof *js->claims) : NULL;
    if (n && !js->claims) {
        free(names);
        return errf(err, "%s: out of memory", dir);
    }
    int rc = 0;
    for (int i = 0; i < n && rc >= 0; i++) {
        rc = read_claim(js, dir, names[i], &js->claims[js->nclaims], err);
        if (rc == 0)
            js->nclaims++;
    }
    free(names);
    return rc < 0 ? -1 : 0;
}

/* scan_marks - mark every tile name in js->dir/sub as state s. */
static int scan_marks(struct job_scan *js, const char *sub, enum tile_state s, char *err)
{
    char dir[PATH_MAX];
    char **names;
    int n = spool_list_sub(js->dir, sub, dir, &names, err);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++)
        mark(js, names[i], s);
    free(names);
    return 0;
}

/* read_reason - failed/T.json into f; a missing or damaged file is said
 * in f->reason rather than hidden. */
static void read_reason(const char *jobdir, struct failrec *f)
{
    char err[ERR_MAX];
    int r = failrec_read(jobdir, f->tile, f, err);
    if (r == 1 || r == -1) {
        snprintf(f->kind, sizeof f->kind, "unknown");
        snprintf(f->reason, sizeof f->reason, "no reason: %.240s", err);
    }
}

/* scan_failed - failed/: mark each failed tile and read its reason. */
static int scan_failed(struct job_scan *js, char *err)
{
    char dir[PATH_MAX];
    char **names;
    int n = spool_list_sub(js->dir, SPOOL_FAILED, dir, &names, err);
    if (n < 0)
        return -1;
    js->failures = n ? calloc((size_t)n, sizeof *js->failures) : NULL;
    if (n && !js->failures) {
        free(names);
        return errf(err, "%s: out of memory", dir);
    }
    for (int i = 0; i < n; i++) {
        struct failrec *f = &js->failures[js->nfailures];
        if (mark(js, names[i], TILE_FAILED) < 0)
            continue;       /* T.json, or a stranger */
        snprintf(f->tile, sizeof f->tile, "%s", names[i]);
        read_reason(js->dir, f);
        js->nfailures++;
    }
    free(names);
    return 0;
}

/* created_time - the manifest's "YYYY-MM-DDTHH:MM:SSZ" as time_t, or -1. */
static time_t created_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return (time_t)-1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

/* job_state_of - the job's state from its counts and claims. */
static enum job_state job_state_of(const struct job_scan *js)
{
    int alive = 0;
    for (int i = 0; i < js->nclaims; i++)
        alive += js->claims[i].alive;
    if (js->count[TILE_DONE] == js->total)
        return JOB_DONE;
    if (alive)
        return JOB_RUNNING;
    if (js->count[TILE_CLAIMED])
        return JOB_STALLED;
    return js->count[TILE_WAITING] ? JOB_QUEUED : JOB_FAILED;
}

/* scan_global - for a chain with a global stage, count the tiles whose
 * pass-1 statistics are published and whether the merged block is. */
static int scan_global(struct job_scan *js, char *err)
{
    char dir[PATH_MAX], merged[GLOBAL_NAME_MAX], suffix[16];
    char **names;
    js->global_stage = manifest_global_stage(js->m);
    if (js->global_stage < 0)
        return 0;
    int n = spool_list_sub(js->dir, SPOOL_STATS, dir, &names, err);
    if (n < 0)
        return -1;
    global_stats_name("merged", js->global_stage, merged);
    snprintf(suffix, sizeof suffix, ".%d", js->global_stage);
    size_t sl = strlen(suffix);
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (strcmp(names[i], merged) == 0)
            js->merged = 1;
        else if (names[i][0] == 'r' && strncmp(names[i], "reference.", 10) != 0 &&
                 len > sl && strcmp(names[i] + len - sl, suffix) == 0)
            js->analyzed++;
    }
    free(names);
    return 0;
}

/* scan_tiles - the tile states, claims and failures of a loaded job. */
static int scan_tiles(struct job_scan *js, char *err)
{
    js->total = js->m->rows * js->m->cols;
    js->tiles = calloc(js->total, 1);
    if (!js->tiles)
        return errf(err, "%s: out of memory for %u tiles", js->dir, js->total);
    if (scan_global(js, err) < 0 || scan_claims(js, err) < 0 ||
        scan_marks(js, SPOOL_OUT, TILE_DONE, err) < 0 || scan_failed(js, err) < 0)
        return -1;
    for (uint32_t i = 0; i < js->total; i++)
        js->count[js->tiles[i]]++;
    /* a claim whose tile was seen further on is no claim any more */
    int k = 0;
    for (int i = 0; i < js->nclaims; i++) {
        uint32_t r, c;
        tile_parse_name(js->m, js->claims[i].tile, &r, &c);
        if (js->tiles[(size_t)r * js->m->cols + c] == TILE_CLAIMED)
            js->claims[k++] = js->claims[i];
    }
    js->nclaims = k;
    js->state = job_state_of(js);
    return 0;
}

/* no_manifest - the state of a job directory without job.json: being
 * split or left by a dead splitter.  A directory without tiles/ either is
 * not a job (as `tilespool clean` judges), or has just been removed.
 * Returns 1 (state set), 2 (not a job), -1 on error. */
static int no_manifest(struct job_scan *js, char *err)
{
    char tiles[PATH_MAX];
    if (spool_path(tiles, js->dir, SPOOL_TILES, NULL, err) < 0)
        return -1;
    if (access(tiles, F_OK) != 0)
        return 2;
    int held = spool_flock_held(js->dir, 1, err);
    if (held < 0 || held == 2)
        return held < 0 ? -1 : 2;
    js->state = held == 1 ? JOB_SPLITTING : JOB_INCOMPLETE;
    return 1;
}

/* load_manifest - job.json into js->m; returns 0, 1 if there is none or
 * it is invalid (js->state says which), 2 if the directory is not a job
 * (or vanished), -1 on error. */
static int load_manifest(struct job_scan *js, char *err)
{
    char path[PATH_MAX];
    if (spool_path(path, js->dir, SPOOL_MANIFEST, NULL, err) < 0)
        return -1;
    if (access(path, F_OK) != 0)
        return no_manifest(js, err);
    js->m = malloc(sizeof *js->m);
    if (!js->m)
        return errf(err, "%s: out of memory", path);
    int bad = spool_job_check(js->dir, js->error) < 0 ||
              manifest_load(js->m, js->dir, js->error) < 0;
    if (!bad && strcmp(js->m->job, js->id) != 0)
        bad = errf(js->error, "%s: names job '%.100s', not '%.100s'", path, js->m->job, js->id);
    if (bad) {
        free(js->m);
        js->m = NULL;
        js->state = JOB_INVALID;
        /* removed while being read (tilespool clean) is no damage */
        return access(js->dir, F_OK) == 0 ? 1 : 2;
    }
    return 0;
}

int jobscan_load(const char *spool, const char *id, struct job_scan *js, char *err)
{
    struct stat st;
    memset(js, 0, sizeof *js);
    js->global_stage = -1;
    snprintf(js->id, sizeof js->id, "%s", id);
    if (spool_path(js->dir, spool, id, NULL, err) < 0)
        return -1;
    if (stat(js->dir, &st) < 0)
        return errno == ENOENT ? 1 : errf_sys(err, "%s", js->dir);
    if (!S_ISDIR(st.st_mode))
        return 1;
    js->age = difftime(time(NULL), st.st_mtime);
    int r = load_manifest(js, err);
    if (r != 0)
        return r < 0 ? -1 : r == 2 ? 1 : 0;
    time_t created = created_time(js->m->created);
    if (created != (time_t)-1)
        js->age = difftime(time(NULL), created);
    return scan_tiles(js, err);
}

void jobscan_free(struct job_scan *js)
{
    free(js->m);
    free(js->tiles);
    free(js->claims);
    free(js->failures);
    js->m = NULL;
    js->tiles = NULL;
    js->claims = NULL;
    js->failures = NULL;
}
