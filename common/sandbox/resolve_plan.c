/*
 * resolve_plan.c - resolve a chain and plan its job: the images between
 * the stages and every output tile's rectangles (resolve.h, plan.h).
 *
 * Modules answer the plan, so this runs filter code: the splitter does it
 * in a forked child (resolve_plan_isolated).  The child writes its answer
 * (stages, plan, verdict) into the pipe and then the first stage's
 * rectangle of every tile, which grows with the grid: the parent reads it
 * as it comes (subproc_stream).
 */
#include "resolve.h"
#include "err.h"
#include "exec.h"
#include "stage_ops.h"
#include "subproc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* plan_images - image k + 1 of every stage k from p->img[0]; a global
 * stage and all after it keep the image's size.  Returns 0, or -1 with
 * err and *why. */
static int plan_images(struct filter_module *const *mods, const struct stage_spec *st,
                       uint64_t max_pixels, struct plan *p, enum resolve_error *why, char *err)
{
    int g = -1;
    for (int k = 0; k < p->nstages; k++) {
        const struct plan_image *in = &p->img[k], *out = &p->img[k + 1];
        int rc = stage_op_plan(mods[k], &st[k], in, max_pixels, RESOLVE_MAX_MEMORY,
                               &p->img[k + 1], err);
        if (rc != 0)
            return *why = rc == STAGE_REFUSED ? RESOLVE_USAGE : RESOLVE_MODULE, -1;
        if (g >= 0 && (out->w != in->w || out->h != in->h))
            return *why = RESOLVE_USAGE,
                   errf(err, "filter %s makes %ux%u of %ux%u, after the global filter %s: "
                        "the stages after a global one must keep the image size", st[k].name,
                        out->w, out->h, in->w, in->h, st[g].name);
        if (strcmp(st[k].kind, "global") == 0)
            g = k;
    }
    return 0;
}

/* global_stage - the index of the chain's global stage, or -1. */
static int global_stage(const struct stage_spec *st, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(st[k].kind, "global") == 0)
            return k;
    return -1;
}

/* inconsistent - err for tiles a and b of p that differ: the stage asked
 * first (the last one) whose answer differs. */
static int inconsistent(const struct plan *p, const struct stage_spec *st,
                        const struct plan_tile *a, const struct plan_tile *b, char *err)
{
    int k = p->nstages - 1;
    while (k > 0 && memcmp(&a->want[k], &b->want[k], sizeof a->want[k]) == 0)
        k--;
    return errf(err, "filter %s: inconsistent answers: asked twice for the input of tile "
                "r%uc%u, it said %ux%u at (%lld,%lld), then %ux%u at (%lld,%lld)", st[k].name,
                a->row, a->col, a->want[k].w, a->want[k].h, (long long)a->want[k].x,
                (long long)a->want[k].y, b->want[k].w, b->want[k].h, (long long)b->want[k].x,
                (long long)b->want[k].y);
}

/* plan_tiles - every tile of p twice, the answers compared; want[0] of
 * tile i into first[i] (first may be NULL).  Returns 0 or -1 with *why. */
static int plan_tiles(struct filter_module *const *mods, const struct stage_spec *st,
                      const struct plan *p, struct plan_rect *first, enum resolve_error *why,
                      char *err)
{
    int g = global_stage(st, p->nstages);
    struct plan_tile a, b;
    for (uint32_t r = 0; r < p->rows; r++)
        for (uint32_t c = 0; c < p->cols; c++) {
            *why = RESOLVE_MODULE;
            if (exec_plan_tile(mods, st, p, r, c, RESOLVE_MAX_MEMORY, &a, err) != EXEC_OK ||
                exec_plan_tile(mods, st, p, r, c, RESOLVE_MAX_MEMORY, &b, err) != EXEC_OK)
                return -1;
            if (!plan_tile_equal(p, &a, &b))
                return inconsistent(p, st, &a, &b, err);
            *why = RESOLVE_USAGE;
            if (g >= 0 && exec_core_in(p, &a, g, err) < 0)
                return err_prefix(err, "global filter %s", st[g].name);
            if (first)
                first[(size_t)r * p->cols + c] = a.want[0];
        }
    *why = RESOLVE_OK;
    return 0;
}

int resolve_plan_stages(struct filter_module *const *mods, const struct stage_spec *st, int n,
                        const struct plan_image *src, uint32_t tile_size, uint64_t max_pixels,
                        struct plan *p, struct plan_rect **first, enum resolve_error *why,
                        char *err)
{
    memset(p, 0, sizeof *p);
    p->nstages = n;
    p->img[0] = *src;
    if (plan_images(mods, st, max_pixels, p, why, err) < 0)
        return -1;
    const struct plan_image *o = &p->img[p->nstages];
    if (tile_size == 0)
        tile_size = o->w > o->h ? o->w : o->h;
    if (plan_grid(p, tile_size, err) < 0)
        return *why = RESOLVE_USAGE, -1;
    struct plan_rect *all = NULL;
    if (first && !(all = malloc(sizeof *all * (size_t)p->rows * p->cols)))
        return *why = RESOLVE_MODULE, errf(err, "out of memory for %ux%u tiles", p->cols,
                                            p->rows);
    if (plan_tiles(mods, st, p, all, why, err) < 0) {
        free(all);
        return -1;
    }
    if (first)
        *first = all;
    return 0;
}

int resolve_plan_loaded(const struct chain *c, enum filter_backend backend,
                        const struct plan_image *src, uint32_t tile_size, uint64_t max_pixels,
                        struct stage_spec *out, struct filter_module **mods, struct plan *p,
                        struct plan_rect **first, enum resolve_error *why, char *err)
{
    struct filter_module *own[CHAIN_MAX_STAGES] = {0};
    struct filter_module **m = mods ? mods : own;
    if (resolve_chain_loaded(c, backend, out, m, why, err) < 0)
        return -1;
    int rc = resolve_plan_stages(m, out, c->nstages, src, tile_size, max_pixels, p, first, why,
                                 err);
    for (int i = 0; (rc < 0 || !mods) && i < c->nstages; i++)
        filter_unload(m[i]);
    return rc;
}

/* The child's answer through the pipe, followed by want[0] of every tile
 * when it planned the job. */
struct plan_answer {
    int rc;
    enum resolve_error why;
    char err[ERR_MAX];
    struct stage_spec stages[CHAIN_MAX_STAGES];
    struct plan p;
};

/* What the child works on. */
struct plan_job {
    const struct chain *c;
    struct plan_image src;
    uint32_t tile_size;
    uint64_t max_pixels;
};

/* write_all - n bytes of buf to fd; 0 or -1. */
static int write_all(int fd, const void *buf, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t k = write(fd, (const char *)buf + off, n - off);
        if (k <= 0)
            return -1;
        off += (size_t)k;
    }
    return 0;
}

/* plan_child - the forked side: resolve, plan, write the answer and then
 * the rectangles to the pipe. */
static void plan_child(void *ctx, int fd)
{
    const struct plan_job *job = ctx;
    struct plan_answer *a = calloc(1, sizeof *a);
    struct plan_rect *first = NULL;
    if (!a)
        _exit(1);
    filter_runtime_init();
    a->why = RESOLVE_MODULE;
    a->rc = resolve_confine(job->c, a->err);
    if (a->rc == 0)
        a->rc = resolve_plan_loaded(job->c, FILTER_WASM, &job->src, job->tile_size,
                                    job->max_pixels, a->stages, NULL, &a->p, &first, &a->why,
                                    a->err);
    if (write_all(fd, a, sizeof *a) < 0 ||
        (a->rc == 0 &&
         write_all(fd, first, sizeof *first * (size_t)a->p.rows * a->p.cols) < 0))
        _exit(1);
    _exit(0);
}

/* The parent's side of the stream: the answer, then the rectangles. */
struct plan_reader {
    struct plan_answer *a;
    size_t have;                 /* bytes of *a read */
    struct plan_rect *first;     /* malloc'd once the answer says how many */
    size_t want, got;            /* bytes of them expected and read */
};

/* plan_sink - subproc_sink: fill the answer, then the rectangles; refuses
 * more than the answer announced, or rectangles it cannot hold. */
static int plan_sink(void *ctx, const void *p, size_t n)
{
    struct plan_reader *r = ctx;
    const char *b = p;
    if (r->have < sizeof *r->a) {
        size_t k = n < sizeof *r->a - r->have ? n : sizeof *r->a - r->have;
        memcpy((char *)r->a + r->have, b, k);
        r->have += k;
        b += k;
        n -= k;
        if (r->have == sizeof *r->a && r->a->rc == 0) {
            r->want = sizeof *r->first * (size_t)r->a->p.rows * r->a->p.cols;
            if (r->want == 0 || !(r->first = malloc(r->want)))
                return -1;
        }
    }
    if (n == 0)
        return 0;
    if (!r->first || r->got + n > r->want)
        return -1;
    memcpy((char *)r->first + r->got, b, n);
    r->got += n;
    return 0;
}

int resolve_plan_isolated(const struct chain *c, const struct plan_image *src,
                          uint32_t tile_size, uint64_t max_pixels, struct stage_spec *out,
                          struct plan *p, struct plan_rect **first, int timeout_sec,
                          enum resolve_error *why, char *err)
{
    *why = RESOLVE_MODULE;
    *first = NULL;
    if (resolve_compile_users(c, err) < 0)
        return -1;
    struct plan_reader r = {calloc(1, sizeof *r.a), 0, NULL, 0, 0};
    struct subproc_result res;
    struct plan_job job = {c, *src, tile_size, max_pixels};
    int rc = -1;
    char how[64];
    if (!r.a)
        return errf(err, "out of memory");
    if (subproc_stream(plan_child, &job, plan_sink, &r, timeout_sec, &res, err) == 0) {
        subproc_how(&res, how, sizeof how);
        if (res.timed_out)
            rc = errf(err, "filter chain: the filters did not start, describe themselves and "
                      "plan the job within %d s", timeout_sec);
        else if (r.have != sizeof *r.a || r.got != r.want || !subproc_exited_ok(&res))
            rc = errf(err, "filter chain: the process planning the job %s%s", how,
                      r.a->rc == 0 && r.have == sizeof *r.a && !r.first
                          ? " (no memory for the plan of its tiles)" : "");
        else if (r.a->rc != 0)
            rc = errf(err, "%s", r.a->err), *why = r.a->why;
        else {
            rc = 0;
            *why = RESOLVE_OK;
            *p = r.a->p;
            *first = r.first;
            r.first = NULL;
            memcpy(out, r.a->stages, sizeof(struct stage_spec) * (size_t)c->nstages);
        }
    }
    free(r.first);
    free(r.a);
    return rc;
}
