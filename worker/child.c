/*
 * child.c - worker child: claim a tile, run the filter chain on it in fresh
 * wasm2c instances, publish out/T, commit the claim; repeat.  For a chain
 * with a global stage, pass 1 publishes mid/T and the tile's statistics
 * and gives the claim back, pass 2 works from them (docs/spool.md).
 *
 * The tile is read straight into the first instance's linear memory
 * (exec.h).  Modules are loaded once per job, at its first tile, under
 * the timeout like any filter code.
 *
 * A trap poisons this process (wasm2c's signal handler has seen a fault):
 * the tile is failed and the child exits so the supervisor starts a new one.
 */
#include "worker.h"
#include "claim.h"
#include "confine.h"
#include "err.h"
#include "filter.h"
#include "exec.h"
#include "global.h"
#include "global_stats.h"
#include "joblog.h"
#include "progress.h"
#include "tile.h"
#include "usercache.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* What happened to a tile, and what the child does next. */
enum outcome { TILE_OK, TILE_FAILED, TILE_TRAPPED, TILE_SPOOL_ERROR };

struct fill_ctx {
    const struct manifest *m;
    const struct plan_image *im;   /* the image the file belongs to */
    const char *path;
    int fd;                        /* the claim's descriptor, or -1: read path */
};

struct loaded {
    struct filter_module *mods[CHAIN_MAX_STAGES];
    int state;             /* 0 not tried, 1 loaded, -1 unusable */
    int trapped;           /* unusable because checking it trapped */
    int limit;             /* unusable because it does not fit the limits */
    char err[ERR_MAX];
    uint64_t *stats, *ref; /* a global stage's merged and reference blocks, read once;
                              held until the process exits, like the modules */
    int logfd;             /* the job's log, opened at the first line, or -1 */
};

/* check_abi - the module must speak ABI version 1 or 2; its start-up code runs
 * under the same memory cap as on a tile.  Returns 0, -1, FILTER_LIMIT or
 * FILTER_TRAP (this process is then poisoned). */
static int check_abi(struct filter_module *m, uint64_t max_memory, char *err)
{
    int why;
    int32_t v = 0;
    struct filter_inst *fi = filter_instantiate(m, max_memory, &why, err);
    if (!fi)
        return why == FILTER_TRAP || why == FILTER_LIMIT ? why : -1;
    int rc = filter_call_abi_version(fi, &v, err);
    if (rc == 0 && v != 1 && v != 2)
        rc = errf(err, "filter %s: ABI version %d, this worker speaks 1 and 2",
                  filter_module_name(m), v);
    filter_free(fi);    /* even trapped: wasm code cannot touch the host's heap */
    return rc == FILTER_TRAP ? FILTER_TRAP : rc < 0 ? -1 : 0;
}

/* load_stage - dlopen stage s's module (a user's from the cache, a
 * shipped one from the filter path) into *mod.  Returns 0 or -1. */
static int load_stage(const struct stage_spec *s, struct filter_module **mod, char *err)
{
    char so[PATH_MAX], wasm[PATH_MAX];
    if (usercache_find_stage(s, so, wasm, err) < 0)
        return -1;
    if (s->path[0])
        *mod = usercache_load(s->name, so, wasm, err);
    else
        *mod = filter_load(s->name, FILTER_WASM, so, wasm, err);
    return *mod ? 0 : -1;
}

/* load_chain - dlopen a job's modules once, checking each is the module the
 * job was split with.  Sets l->state (and why it is unusable) and returns
 * it: 1 loaded, -1 unusable. */
static int load_chain(const struct job *j, uint64_t max_memory, struct loaded *l)
{
    assert(l->state == 0);
    l->state = -1;
    for (int i = 0; i < j->m.nstages; i++) {
        const struct stage_spec *s = &j->m.stages[i];
        if (load_stage(s, &l->mods[i], l->err) < 0)
            return -1;
        if (!hash_equal(filter_module_hash(l->mods[i]), &s->hash)) {
            errf(l->err, "filter %s: module changed since the job was split", s->name);
            return -1;
        }
        int rc = check_abi(l->mods[i], max_memory, l->err);
        if (rc < 0) {
            l->trapped = rc == FILTER_TRAP;
            l->limit = rc == FILTER_LIMIT;
            return -1;
        }
    }
    l->state = 1;
    return 1;
}

/* publish_tile - write a w x h tile of image im to sub/T (out/ or mid/). */
static enum outcome publish_tile(const struct job *j, const char *sub, const struct claim *c,
                                 const struct plan_image *im, const uint8_t *px, uint32_t w,
                                 uint32_t h, char *err)
{
    struct spool_file sf;
    if (spool_file_begin(&sf, j->dir, sub, c->tile, err) < 0)
        return TILE_SPOOL_ERROR;
    if (tile_write(&j->m, im, sf.f, sf.final, px, w, h, err) < 0) {
        spool_file_abort(&sf);
        return TILE_SPOOL_ERROR;
    }
    return spool_file_commit(&sf, err) < 0 ? TILE_SPOOL_ERROR : TILE_OK;
}

/* publish_out - write the final core to out/T. */
static enum outcome publish_out(const struct job *j, const struct claim *c,
                                const uint8_t *px, uint32_t w, uint32_t h, char *err)
{
    return publish_tile(j, SPOOL_OUT, c, &j->m.plan.img[j->m.nstages], px, w, h, err);
}

/* fill_from_tile - exec_fill_fn: read the claimed tile file. */
static int fill_from_tile(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    const struct fill_ctx *f = ctx;
    if (f->fd >= 0)
        return tile_read_fd(f->m, f->im, f->fd, f->path, dst, w, h, err);
    return tile_read(f->m, f->im, f->path, dst, w, h, err);
}

/* process_tile - the whole chain on one claimed tile, output published.
 * *limit is set when the tile failed on the memory cap. */
static enum outcome process_tile(const struct worker_opts *o, const struct job *j,
                                 struct loaded *l, const struct claim *c,
                                 const struct plan_tile *t, int *limit, char *err)
{
    const struct manifest *m = &j->m;
    struct fill_ctx f = {m, &m->plan.img[0], c->path, c->fd};
    struct exec_out out;
    enum exec_result r = exec_chain(l->mods, m->stages, &m->plan, t, 0, m->nstages, NULL,
                                    o->max_memory, fill_from_tile, &f, &out, err);
    *limit = out.at_limit;
    if (r != EXEC_OK)
        return r == EXEC_TRAPPED ? TILE_TRAPPED : TILE_FAILED;
    enum outcome res = publish_out(j, c, out.px, t->core.w, t->core.h, err);
    exec_release(&out);
    return res;
}

/* load_stats - the merged statistics of global stage g (and its
 * reference's), read from stats/ once per job.  Returns 0 or -1. */
static int load_stats(const struct job *j, struct loaded *l, int g, char *err)
{
    const struct stage_spec *s = &j->m.stages[g];
    const char *which[2] = {"merged", "reference"};
    uint64_t **dst[2] = {&l->stats, &l->ref};
    for (int k = 0; k < (s->ref_path[0] ? 2 : 1); k++) {
        char name[GLOBAL_NAME_MAX];
        if (*dst[k])
            continue;
        global_stats_name(which[k], g, name);
        uint64_t *v = malloc(8 * (size_t)s->stats.nvalues);
        if (!v)
            return errf(err, "out of memory");
        int rc = global_stats_read(j->dir, name, s, v, err);
        if (rc == 1)
            rc = errf(err, "%s/%s/%s is missing", j->dir, SPOOL_STATS, name);
        if (rc != 0) {
            free(v);
            return -1;
        }
        *dst[k] = v;
    }
    return 0;
}

/* core_of - the core of tile t out of want[g]'s pixels px (8-bit, ch
 * channels: global stages take 8 bits only), malloc'd for the caller to
 * free, or NULL with err. */
static uint8_t *core_of(const struct plan *p, const struct plan_tile *t, int g,
                        const uint8_t *px, int ch, char *err)
{
    if (exec_core_in(p, t, g, err) < 0)
        return NULL;
    uint8_t *core = malloc((size_t)t->core.w * t->core.h * (size_t)ch);
    if (!core)
        return errf(err, "out of memory"), NULL;
    exec_copy_rect(px, &t->want[g], &t->core, (size_t)ch, core);
    return core;
}

/* struct core_fill - read the claimed tile and keep its core. */
struct core_fill {
    const struct manifest *m;
    const struct claim *c;
    const struct plan_tile *t;
};

/* fill_core - exec_fill_fn: the core of the claimed tile (want[0] of
 * image 0, which is also the global stage's input when that is stage 0);
 * run by global_analyze under the trap guard like any tile decoding. */
static int fill_core(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    const struct core_fill *cf = ctx;
    const struct plan_rect *in = &cf->t->want[0];
    const struct plan_image *im = &cf->m->plan.img[0];
    assert(w == cf->t->core.w && h == cf->t->core.h);
    uint8_t *px = malloc((size_t)in->w * in->h * plan_bytes_per_pixel(im)), *core = NULL;
    int rc = px ? tile_read_fd(cf->m, im, cf->c->fd, cf->c->path, px, in->w, in->h, err)
                : errf(err, "out of memory");
    if (rc == 0 && !(core = core_of(&cf->m->plan, cf->t, 0, px, im->ch, err)))
        rc = -1;
    if (rc == 0)
        memcpy(dst, core, (size_t)w * h * (size_t)im->ch);
    free(core);
    free(px);
    return rc;
}

/* analyze_tile - pass 1 of a chain with global stage g: the stages before
 * g on the claimed tile, their result kept in mid/T (when there are
 * any), g's statistics of the core published as stats/T.<g>.  The
 * stages from g on keep the size (the splitter made sure), so the core
 * lies inside g's input rectangle; the analysis gets the core alone. */
static enum outcome analyze_tile(const struct worker_opts *o, const struct job *j,
                                 struct loaded *l, const struct claim *c,
                                 const struct plan_tile *t, int g, int *limit, char *err)
{
    const struct manifest *m = &j->m;
    const struct stage_spec *s = &m->stages[g];
    const struct plan_rect *in = &t->want[g];
    int ch = m->plan.img[g].ch;
    assert(m->plan.img[g].depth == 8);
    struct fill_ctx f = {m, &m->plan.img[0], c->path, c->fd};
    struct exec_out out = {0};
    enum exec_result r = EXEC_FAILED;
    enum outcome res = TILE_OK;
    uint8_t *core = NULL;
    uint64_t *stats = malloc(8 * (size_t)s->stats.nvalues);
    if (!stats) {
        errf(err, "out of memory");
        return TILE_FAILED;
    }
    if (g == 0) {
        struct core_fill cf = {m, c, t};
        r = global_analyze(l->mods[0], s, ch, t->core.w, t->core.h, 0, NULL, fill_core, &cf,
                           o->max_memory, stats, err);
    } else {
        r = exec_chain(l->mods, m->stages, &m->plan, t, 0, g, NULL, o->max_memory,
                       fill_from_tile, &f, &out, err);
        *limit = out.at_limit;
        if (r == EXEC_OK && (res = publish_tile(j, SPOOL_MID, c, &m->plan.img[g], out.px, in->w,
                                                in->h, err)) != TILE_OK)
            r = EXEC_FAILED;
    }
    if (g > 0 && r == EXEC_OK && res == TILE_OK) {
        core = core_of(&m->plan, t, g, out.px, ch, err);
        r = core ? global_analyze(l->mods[g], s, ch, t->core.w, t->core.h, 0, core, NULL, NULL,
                                  o->max_memory, stats, err) : EXEC_FAILED;
    }
    exec_release(&out);
    free(core);
    if (res == TILE_OK && r != EXEC_OK)
        res = r == EXEC_TRAPPED ? TILE_TRAPPED : TILE_FAILED;
    char name[GLOBAL_NAME_MAX];
    global_stats_name(c->tile, g, name);
    if (res == TILE_OK && global_stats_write(j->dir, name, s, stats, err) < 0)
        res = TILE_SPOOL_ERROR;
    free(stats);
    return res;
}

/* apply_tile - pass 2: stage g with the merged statistics and the stages
 * after it, on mid/T (or the claimed tile when g is the first stage). */
static enum outcome apply_tile(const struct worker_opts *o, const struct job *j,
                               struct loaded *l, const struct claim *c,
                               const struct plan_tile *t, int g, int *limit, char *err)
{
    const struct manifest *m = &j->m;
    char mid[PATH_MAX];
    if (load_stats(j, l, g, err) < 0)
        return TILE_FAILED;
    if (g > 0 && spool_path(mid, j->dir, SPOOL_MID, c->tile, err) < 0)
        return TILE_SPOOL_ERROR;
    struct fill_ctx f = {m, &m->plan.img[g], g > 0 ? mid : c->path, g > 0 ? -1 : c->fd};
    struct exec_stats gs = {l->stats, l->ref};
    struct exec_out out;
    enum exec_result r = exec_chain(l->mods, m->stages, &m->plan, t, g, m->nstages, &gs,
                                    o->max_memory, fill_from_tile, &f, &out, err);
    *limit = out.at_limit;
    if (r != EXEC_OK)
        return r == EXEC_TRAPPED ? TILE_TRAPPED : TILE_FAILED;
    enum outcome res = publish_out(j, c, out.px, t->core.w, t->core.h, err);
    exec_release(&out);
    return res;
}

/* plan_of - tile (row, col)'s rectangles.  A job that keeps the size
 * has them from its stages' halos: the splitter asked the modules for
 * every tile twice and the host holds such stages to their halo, and a
 * tampered halo makes the tile file the wrong size (tile_read) or the
 * rectangles other than the module's (tsf_run refuses them).  Geometry
 * stages are asked again, in fresh instances. */
static enum exec_result plan_of(const struct worker_opts *o, const struct job *j,
                                struct loaded *l, uint32_t row, uint32_t col,
                                struct plan_tile *t, char *err)
{
    if (!manifest_geometric(&j->m))
        return manifest_plan_tile(&j->m, row, col, t, err) == 0 ? EXEC_OK : EXEC_FAILED;
    return exec_plan_tile(l->mods, j->m.stages, &j->m.plan, row, col, o->max_memory, t, err);
}

/* log_tile - one line in the job's log: tile, duration, this process's
 * peak RSS so far, result.  The log stays open for the job's next tiles
 * (a line is still one write); a log that cannot be written loses the
 * line, not the tile, and is opened again for the next. */
static void log_tile(const struct job *j, struct loaded *l, const char *tile, double t0,
                     double t1, const char *result)
{
    char err[ERR_MAX];
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0)
        ru.ru_maxrss = 0;
    if (l->logfd < 0)
        l->logfd = joblog_open(j->dir, err);
    if (l->logfd >= 0 && joblog_append_fd(l->logfd, tile, (long)getpid(), (t1 - t0) * 1e3,
                                          ru.ru_maxrss, result, err) < 0) {
        close(l->logfd);
        l->logfd = -1;
    }
}

/* fail_kind - failed/T.json's kind for a tile that did not make it:
 * the memory cap first (a filter at the cap fails in any of the other
 * ways), then a trap, else an error (a refused module, an error code, an
 * overrun of the output buffer). */
static const char *fail_kind(enum outcome res, int limit)
{
    return limit ? "limit" : res == TILE_TRAPPED ? "trap" : "error";
}

/* settle - commit, fail or release the claim after processing.  Returns
 * the exit status to leave with, or -1 to carry on. */
static int settle(const struct job *j, struct loaded *l, struct claim *c, enum outcome res,
                  int limit, double t0, const char *why, int pass)
{
    char err[ERR_MAX];
    double t1 = now_seconds();
    int rc = 0;
    switch (res) {
    case TILE_OK:
        /* after pass 1 the tile goes back to tiles/ for pass 2 */
        rc = pass == 1 ? claim_release(c, err) : claim_commit(c, j->m.keep_done, err);
        log_tile(j, l, c->tile, t0, t1, pass == 1 ? "analyzed" : "ok");
        break;
    case TILE_FAILED:
    case TILE_TRAPPED:
        msg_warn("job %s: tile %s: %s", j->m.job, c->tile, why);
        /* attempts: this one and those before a requeue (requeue.c) */
        rc = claim_fail(c, fail_kind(res, limit), why, 1 + requeue_prior(j, c->tile),
                        (long)getpid(), err);
        log_tile(j, l, c->tile, t0, t1, res == TILE_TRAPPED ? "trap" : "failed");
        break;
    case TILE_SPOOL_ERROR:
        msg_warn("job %s: tile %s: %s", j->m.job, c->tile, why);
        claim_release(c, err);
        return CHILD_SPOOL;
    }
    if (rc < 0) {
        msg_warn("job %s: tile %s: %s", j->m.job, c->tile, err);
        return CHILD_SPOOL;
    }
    return res == TILE_TRAPPED ? CHILD_REPLACE : -1;
}

/* analyzed - has tile T of a job with global stage g its statistics? */
static int analyzed(const struct job *j, int g, const char *tile)
{
    char name[GLOBAL_NAME_MAX], path[PATH_MAX], err[ERR_MAX];
    global_stats_name(tile, g, name);
    return spool_path(path, j->dir, SPOOL_STATS, name, err) == 0 && access(path, F_OK) == 0;
}

/* drop_mid - with --no-keep, mid/T once out/T is committed (garbage if
 * this is not reached: the next run does not need it either). */
static void drop_mid(const struct job *j, const char *tile)
{
    char path[PATH_MAX], err[ERR_MAX];
    if (spool_path(path, j->dir, SPOOL_MID, tile, err) < 0 || spool_unlink(path, err) < 0)
        msg_warn("job %s: tile %s: %s", j->m.job, tile, err);
}

/* refuse_tile - tiles/T is not a regular file (err says what it is): fail
 * it alone, kind "spool", and carry on with the others.  Returns 1 when
 * it was settled here, 0 when another process was quicker, -1 on a spool
 * error. */
static int refuse_tile(const struct job *j, struct loaded *l, const char *tile, const char *why)
{
    char err[ERR_MAX];
    double t0 = now_seconds();
    int r = claim_refuse(j->dir, SPOOL_TILES, tile, tile, why, err);
    if (r < 0) {
        msg_warn("job %s: tile %s: %s", j->m.job, tile, err);
        return -1;
    }
    if (r == 0) {
        msg_warn("job %s: tile %s: %s", j->m.job, tile, why);
        log_tile(j, l, tile, t0, now_seconds(), "spool");
    }
    return r == 0;
}

/* run_claimed - the chain (pass 1 or 2 of it, for a global chain) on
 * claimed tile (row, col) of job jx, watched by the supervisor through
 * the slot, then settled.  Returns settle()'s status. */
static int run_claimed(const struct worker_opts *o, struct job *j, int jx, struct loaded *l,
                       struct slot *me, struct claim *c, uint32_t row, uint32_t col, int g,
                       int pass)
{
    char err[ERR_MAX];
    assert(c->fd >= 0 && atomic_load(&me->busy) == 0);
    snprintf(me->tile, sizeof me->tile, "%s", c->tile);
    snprintf(me->claim_entry, sizeof me->claim_entry, "%s", claim_entry(c));
    me->job = jx;
    me->start = now_seconds();
    atomic_store(&me->busy, 1);
    if (l->state == 0)
        load_chain(j, o->max_memory, l);   /* runs filter code: under the timeout too */
    int limit = 0;
    enum outcome res;
    struct plan_tile t;
    enum exec_result pr;
    if (l->state < 0) {
        snprintf(err, sizeof err, "%s", l->err);
        limit = l->limit;
        res = l->trapped ? TILE_TRAPPED : TILE_FAILED;
    } else if ((pr = plan_of(o, j, l, row, col, &t, err)) != EXEC_OK) {
        /* the tile's rectangles: the tile file must match */
        res = pr == EXEC_TRAPPED ? TILE_TRAPPED : TILE_FAILED;
    } else if (pass == 1) {
        res = analyze_tile(o, j, l, c, &t, g, &limit, err);
    } else if (pass == 2) {
        res = apply_tile(o, j, l, c, &t, g, &limit, err);
    } else {
        res = process_tile(o, j, l, c, &t, &limit, err);
    }
    int stop = settle(j, l, c, res, limit, me->start, err, pass);
    if (stop < 0 && pass == 2 && g > 0 && !j->m.keep_done)
        drop_mid(j, me->tile);
    atomic_store(&me->busy, 0);
    return stop;
}

/* work_job - try to claim and process the tiles of job jx once over,
 * each child starting at its own place in the list so that they do not
 * all race for the same tile.  Returns how many were settled here, or
 * -(exit status) to stop. */
static int work_job(const struct worker_opts *o, struct job *j, int jx, struct loaded *l,
                    struct slot *me, int index)
{
    char dir[PATH_MAX], err[ERR_MAX];
    char **names;
    assert(o->workers > 0 && index >= 0 && index < o->workers);
    int g = manifest_global_stage(&j->m), merged = 0;
    if (g >= 0 && global_merge(&j->m, j->dir, &merged, err) < 0) {
        /* a damaged statistics file is this job's alone: the supervisor
         * says so once and leaves the job, and the others go on */
        me->bad_job = jx;
        snprintf(me->why, sizeof me->why, "%s", err);
        return -CHILD_JOB;
    }
    int n = spool_list_sub(j->dir, SPOOL_TILES, dir, &names, err), done = 0, stop = -1;
    if (n < 0) {
        msg_warn("%s", err);
        return -CHILD_SPOOL;
    }
    int start = (int)(((long long)index * n) / o->workers);
    int pass = g < 0 ? 0 : merged ? 2 : 1;
    for (int k = 0; k < n && stop < 0; k++) {
        const char *name = names[(start + k) % n];
        uint32_t row, col;
        struct claim c;
        if (tile_parse_name(&j->m, name, &row, &col) < 0)
            continue;                /* not a tile of this job: left alone */
        if (pass == 1 && analyzed(j, g, name))
            continue;                /* waits for the merge */
        int r = claim_tile(j->dir, name, &c, err);
        if (r == 2) {
            r = refuse_tile(j, l, name, err);
            if (r < 0)
                stop = CHILD_SPOOL;
            done += r > 0;
            continue;
        }
        if (r == 0 && pass == 1 && analyzed(j, g, name)) {
            /* another child was quicker: give it back */
            r = claim_release(&c, err) < 0 ? -1 : 1;
        }
        if (r < 0) {
            msg_warn("%s", err);
            stop = CHILD_SPOOL;
        }
        if (r != 0)
            continue;
        stop = run_claimed(o, j, jx, l, me, &c, row, col, g, pass);
        done += stop < 0;
    }
    free(names);
    assert(done >= 0 && done <= n);
    return stop >= 0 ? -stop : done;
}

/* confine - give up all but the job directories (read and write), the
 * filter modules (read) and the system calls a worker child makes. */
static int confine(const struct job *jobs, int njobs, char *err)
{
    struct confine_rules r;
    confine_rules_init(&r);
    int rc = confine_filters(&r, err);
    for (int i = 0; i < njobs && rc == 0; i++) {
        rc = confine_write(&r, jobs[i].dir, err);
        for (int k = 0; k < jobs[i].m.nstages && rc == 0; k++)
            if (jobs[i].m.stages[k].path[0])      /* a user's module, read for its hash */
                rc = confine_read(&r, jobs[i].m.stages[k].path, err);
    }
    if (rc == 0)
        rc = confine_process(&r, err);
    confine_rules_free(&r);
    return rc;
}

/* close_inherited - close every inherited descriptor but
 * stdout/stderr and point stdin at /dev/null: filter code never needs them. */
static void close_inherited(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, 0);
        close(fd);
    }
    /* close_range(2) (Linux 5.9+); older kernels fall back to a loop. */
    if (syscall(SYS_close_range, 3u, ~0u, 0u) < 0)
        for (int i = 3; i < 1024; i++)
            close(i);
}

void child_main(const struct worker_opts *o, struct job *jobs, int njobs, struct slot *slots,
                int index)
{
    struct slot *me = &slots[index];
    struct loaded *l = calloc((size_t)njobs, sizeof *l);
    if (!l)
        _exit(CHILD_SPOOL);
    for (int jx = 0; jx < njobs; jx++)
        l[jx].logfd = -1;
    close_inherited();
    char cerr[ERR_MAX];
    filter_runtime_init();
    if (confine(jobs, njobs, cerr) < 0) {
        msg_warn("cannot confine worker child: %s", cerr);
        _exit(CHILD_SPOOL);
    }
    for (;;) {
        int worked = 0;
        for (int jx = 0; jx < njobs; jx++) {
            if (jobs[jx].broken)
                continue;
            int r = work_job(o, &jobs[jx], jx, &l[jx], me, index);
            if (r < 0)
                _exit(-r);
            worked += r;
        }
        if (!worked)
            break;      /* the supervisor starts children again when tiles appear */
    }
    /* modules stay loaded until exit: the process ends here */
    _exit(CHILD_IDLE);
}
