/*
 * exec.c - a planned filter chain on one tile in fresh instances (exec.h).
 */
#include "exec.h"
#include "err.h"
#include "pad.h"
#include "stage_ops.h"

#include <assert.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * Guard bytes on each side of a stage's output buffer.  A filter that
 * writes past either end of `out` stays inside its own linear memory, so
 * the host is never harmed, but the tile's output cannot be trusted: the
 * bands are filled with a pattern before tsf_process and checked after.
 * A stray write that lands beyond the bands, or that stores exactly the
 * pattern, goes unseen; the host reads only [out, out + n) either way.
 */
#define OUT_GUARD 4096u

/* One stage's instance and where its buffers lie in its memory. */
struct stage {
    struct filter_inst *fi;
    struct stage_call c;       /* images, rectangles and offsets */
    int global;                /* tsf_apply with the statistics in blocks[] */
    uint32_t blocks[2];        /* a global stage's merged and reference statistics */
    uint64_t out_bytes;
    uint8_t *guard;            /* the guard band before out; the other follows out */
};

/* guard_byte - byte i of a guard band: not constant, so that a stray fill
 * with any single value changes it. */
static uint8_t guard_byte(uint32_t i)
{
    return (uint8_t)(0xa5u ^ (i * 0x9du) ^ (i >> 7));
}

/* guard_pattern - the band's bytes, computed once per process (twice per
 * stage byte by byte was a measurable part of a small tile's cost). */
static const uint8_t *guard_pattern(void)
{
    static _Thread_local uint8_t pattern[OUT_GUARD];
    static _Thread_local int made;
    if (!made) {
        for (uint32_t i = 0; i < OUT_GUARD; i++)
            pattern[i] = guard_byte(i);
        made = 1;
    }
    return pattern;
}

static void guard_fill(uint8_t *g)
{
    memcpy(g, guard_pattern(), OUT_GUARD);
}

/* guard_intact - 1 if the band at g still holds the pattern. */
static int guard_intact(const uint8_t *g)
{
    return memcmp(g, guard_pattern(), OUT_GUARD) == 0;
}

/* note_limit - when fi's memory has reached the cap the host set (another
 * `more` bytes would not fit), say so in err: whatever failed, the cap is
 * why.  Returns 1 if it did. */
static int note_limit(struct filter_inst *fi, const char *name, uint64_t more, char *err)
{
    uint64_t limit = fi ? filter_mem_limit(fi) : 0;
    if (limit == 0 || filter_mem_size(fi) + more <= limit)
        return 0;
    char was[ERR_MAX], prefix[FILTER_NAME_MAX + 16];
    snprintf(was, sizeof was, "%s", err);
    int n = snprintf(prefix, sizeof prefix, "filter %s: ", name);
    const char *rest = strncmp(was, prefix, (size_t)n) == 0 ? was + n : was;
    errf(err, "filter %s: memory limit of %llu MiB reached (--max-memory); %s", name,
         (unsigned long long)(limit >> 20), rest);
    return 1;
}

/* struct fill_call - the caller's fill function, run under filter_guard_host. */
struct fill_call {
    exec_fill_fn fill;
    void *ctx;
    uint8_t *dst;
    uint32_t w, h;
};

static int fill_thunk(void *ctx, char *err)
{
    struct fill_call *f = ctx;
    return f->fill(f->ctx, f->dst, f->w, f->h, err);
}

int exec_fill_guarded(struct filter_inst *fi, exec_fill_fn fill, void *ctx, uint8_t *dst,
                      uint32_t w, uint32_t h, char *err)
{
    struct fill_call f = {fill, ctx, dst, w, h};
    return filter_guard_host(fi, "reading the tile", fill_thunk, &f, err);
}

/* place_padded - fill dst, a buffer of rectangle *want of image *im,
 * from src, rectangle *have = *want clipped to the image: src placed,
 * the rest replicate-padded (whole pixels: pad.h is given the bytes per
 * pixel as its channel count). */
static void place_padded(uint8_t *dst, const struct plan_rect *want, const uint8_t *src,
                         const struct plan_rect *have, const struct plan_image *im)
{
    size_t bpp = plan_bytes_per_pixel(im);
    assert(have->x >= want->x && have->y >= want->y &&
           have->x + have->w <= want->x + want->w && have->y + have->h <= want->y + want->h);
    if (have->x == want->x && have->y == want->y && have->w == want->w && have->h == want->h) {
        memcpy(dst, src, (size_t)have->w * have->h * bpp);
        return;
    }
    size_t dx = (size_t)(have->x - want->x), dy = (size_t)(have->y - want->y);
    for (uint32_t j = 0; j < have->h; j++)
        memcpy(dst + ((dy + j) * want->w + dx) * bpp, src + (size_t)j * have->w * bpp,
               (size_t)have->w * bpp);
    struct pad_rect r = {want->x, want->y, want->w, want->h};
    pad_replicate(dst, &r, (int)bpp, im->w, im->h);
}

/* place_input - the stage's input: the previous stage's output `prev`
 * (rectangle *have) placed and padded, or (first stage, prev == NULL)
 * filled by the caller under the trap guard, since decoding a tile runs
 * host code in this process. */
static int place_input(struct stage *st, const uint8_t *prev, const struct plan_rect *have,
                       uint64_t bytes, exec_fill_fn fill, void *ctx, char *err)
{
    uint8_t *dst = filter_mem(st->fi, st->c.in_px, bytes, err);
    if (!dst)
        return -1;
    if (prev) {
        place_padded(dst, &st->c.in_rect, prev, have, &st->c.in);
        return 0;
    }
    return exec_fill_guarded(st->fi, fill, ctx, dst, st->c.in_rect.w, st->c.in_rect.h, err);
}

/* stage_setup - instantiate stage k of tile t and place its input, params
 * (and argument block) and output buffer with guard bands.  Returns
 * EXEC_OK, or EXEC_FAILED / EXEC_TRAPPED with err filled (*limit set when
 * the memory cap is why). */
static enum exec_result stage_setup(struct filter_module *mod, const struct stage_spec *s,
                                    const struct plan *p, const struct plan_tile *t, int k,
                                    const uint8_t *prev, uint64_t max_memory,
                                    exec_fill_fn fill, void *ctx, struct stage *st,
                                    int *limit, char *err)
{
    struct stage_call *c = &st->c;
    c->in = p->img[k];
    c->out = p->img[k + 1];
    c->in_rect = t->want[k];
    c->out_rect = t->out[k];
    uint64_t in_bytes = (uint64_t)c->in_rect.w * c->in_rect.h * plan_bytes_per_pixel(&c->in);
    uint64_t out_bytes = (uint64_t)c->out_rect.w * c->out_rect.h * plan_bytes_per_pixel(&c->out);
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS, block;
    uint32_t asize = stage_is_v2(s) ? FILTER_ARGS_BYTES : 0;
    int why, rc;
    st->out_bytes = out_bytes;
    if (in_bytes > UINT32_MAX - 16 || out_bytes + 2 * OUT_GUARD > UINT32_MAX - 16)
        return errf(err, "filter %s: tile of %ux%u is too large for a 32-bit memory", s->name,
                    c->in_rect.w, c->in_rect.h), EXEC_FAILED;
    if (!(st->fi = filter_instantiate(mod, max_memory, &why, err)))
        return *limit = why == FILTER_LIMIT, why == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    if ((rc = filter_call_alloc(st->fi, (uint32_t)in_bytes, &c->in_px, err)) != 0 ||
        (rc = filter_call_alloc(st->fi, (uint32_t)out_bytes + 2 * OUT_GUARD, &block, err)) != 0 ||
        (rc = filter_call_alloc(st->fi, psize, &c->params, err)) != 0 ||
        (asize && (rc = filter_call_alloc(st->fi, asize, &c->args, err)) != 0)) {
        /* blamed on the cap when what the host asks for could not fit */
        *limit = rc != FILTER_TRAP &&
                 note_limit(st->fi, s->name, in_bytes + out_bytes + 2 * OUT_GUARD + psize + asize,
                            err);
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    }
    c->out_px = block + OUT_GUARD;
    uint8_t *pbuf = filter_mem(st->fi, c->params, psize, err);
    st->guard = filter_mem(st->fi, block, out_bytes + 2 * OUT_GUARD, err);
    if (!pbuf || !st->guard)
        return EXEC_FAILED;
    memset(pbuf, 0, psize);
    memcpy(pbuf, s->params, sizeof(float) * (size_t)s->nparams);
    const struct plan_rect *have = k > 0 ? &t->out[k - 1] : NULL;
    if ((rc = place_input(st, prev, have, in_bytes, fill, ctx, err)) != 0)
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    /* last: a module whose tsf_alloc overlaps blocks harms only itself */
    guard_fill(st->guard);
    guard_fill(st->guard + OUT_GUARD + out_bytes);
    return EXEC_OK;
}

/* apply_args - tsf_apply's arguments for a global stage. */
static void apply_args(const struct stage *st, uint32_t a[10])
{
    const struct stage_call *c = &st->c;
    uint32_t v[10] = {c->in_px, c->in_rect.w, c->in_rect.h, c->out_px, c->out_rect.w,
                      c->out_rect.h, (uint32_t)c->in.ch, c->params, st->blocks[0],
                      st->blocks[1]};
    memcpy(a, v, sizeof v);
}

/* stage_stats - a global stage: copy the merged statistics (and the
 * reference's) into the instance for tsf_apply.  Without merged ones the
 * tile is the whole image: its core (`rest` pixels in from the buffer's
 * edge) is analysed in the same instance first.  Returns EXEC_OK or
 * EXEC_FAILED / EXEC_TRAPPED. */
static enum exec_result stage_stats(const struct stage_spec *s, const struct exec_stats *gs,
                                    uint32_t rest, struct stage *st, char *err)
{
    uint32_t bytes = 8 * s->stats.nvalues;
    const uint64_t *src[2] = {gs ? gs->stats : NULL, gs ? gs->ref : NULL};
    int32_t status = 0;
    int rc = 0;
    if (s->ref_path[0] && !src[1])
        return errf(err, "filter %s: the reference image's statistics are not loaded",
                    s->name), EXEC_FAILED;
    st->global = 1;
    st->blocks[0] = st->blocks[1] = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        uint8_t *dst = NULL;
        if ((src[k] || k == 0) && (rc = filter_call_alloc(st->fi, bytes, &st->blocks[k],
                                                          err)) == 0 &&
            !(dst = filter_mem(st->fi, st->blocks[k], bytes, err)))
            rc = -1;
        if (dst && src[k])
            memcpy(dst, src[k], bytes);
    }
    if (rc == 0 && !src[0]) {
        const struct stage_call *c = &st->c;
        uint32_t args[7] = {c->in_px, c->in_rect.w, c->in_rect.h, rest, (uint32_t)c->in.ch,
                            c->params, st->blocks[0]};
        rc = filter_call_analyze(st->fi, args, &status, err);
        if (rc == 0 && status != 0)
            rc = errf(err, "filter %s: tsf_analyze returned error code %d (%s)", s->name,
                      status, stage_status_text(status));
    }
    return rc == 0 ? EXEC_OK : rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
}

/* stage_run - run the stage (tsf_apply for a global one) and judge what
 * it did. */
static enum exec_result stage_run(const struct stage_spec *s, struct stage *st, int *limit,
                                  char *err)
{
    int32_t status;
    uint32_t a[10];
    int rc;
    if (st->global) {
        apply_args(st, a);
        rc = filter_call_apply(st->fi, a, &status, err);
    } else {
        rc = stage_op_run(st->fi, s, &st->c, &status, err);
    }
    if (rc == 0 && status != 0)
        rc = errf(err, "filter %s: %s returned error code %d (%s)", s->name,
                  st->global ? "tsf_apply" : stage_is_v2(s) ? "tsf_run" : "tsf_process",
                  status, stage_status_text(status));
    if (rc != 0) {
        *limit = note_limit(st->fi, s->name, 65536, err);
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    }
    int before = !guard_intact(st->guard);
    if (before || !guard_intact(st->guard + OUT_GUARD + st->out_bytes))
        return errf(err, "filter %s: wrote %s its output buffer (%llu bytes at offset %u), "
                    "output discarded", s->name, before ? "before the start of"
                    : "past the end of", (unsigned long long)st->out_bytes, st->c.out_px),
               EXEC_FAILED;
    return EXEC_OK;
}

/* struct region_ctx - what region_of needs: plan_region_fn's context. */
struct region_ctx {
    struct filter_module *const *mods;
    const struct stage_spec *stages;
    const struct plan *p;
    uint64_t max_memory;
    int trapped;
};

/* region_of - plan_region_fn: stage k's answer through stage_op_region. */
static int region_of(void *ctx, int k, const struct plan_rect *out, struct plan_rect *want,
                     char *err)
{
    struct region_ctx *r = ctx;
    int rc = stage_op_region(r->mods[k], &r->stages[k], &r->p->img[k], &r->p->img[k + 1], out,
                             r->max_memory, want, err);
    r->trapped |= rc == FILTER_TRAP;
    return rc == 0 ? 0 : -1;
}

enum exec_result exec_plan_tile(struct filter_module *const *mods,
                                const struct stage_spec *stages, const struct plan *p,
                                uint32_t row, uint32_t col, uint64_t max_memory,
                                struct plan_tile *t, char *err)
{
    char names[CHAIN_MAX_STAGES][64];
    struct region_ctx r = {mods, stages, p, max_memory, 0};
    for (int k = 0; k < p->nstages; k++)
        snprintf(names[k], sizeof names[k], "%s", stages[k].name);
    if (plan_tile(p, row, col, region_of, &r, (const char (*)[64])names, t, err) == 0)
        return EXEC_OK;
    return r.trapped ? EXEC_TRAPPED : EXEC_FAILED;
}

int exec_core_in(const struct plan *p, const struct plan_tile *t, int k, char *err)
{
    const struct plan_rect *w = &t->want[k], *c = &t->core;
    assert(k >= 0 && k < p->nstages);
    if (c->x < w->x || c->y < w->y || c->x + c->w > w->x + w->w || c->y + c->h > w->y + w->h ||
        p->img[k].w != p->img[p->nstages].w || p->img[k].h != p->img[p->nstages].h)
        return errf(err, "tile r%uc%u: its core %ux%u at (%lld,%lld) is not inside stage %d's "
                    "input %ux%u at (%lld,%lld) (a later stage moves pixels)", t->row, t->col,
                    c->w, c->h, (long long)c->x, (long long)c->y, k + 1, w->w, w->h,
                    (long long)w->x, (long long)w->y);
    return 0;
}

void exec_copy_rect(const uint8_t *px, const struct plan_rect *from, const struct plan_rect *to,
                    size_t bpp, uint8_t *dst)
{
    size_t dx = (size_t)(to->x - from->x), dy = (size_t)(to->y - from->y);
    assert(to->x >= from->x && to->y >= from->y && to->x + to->w <= from->x + from->w &&
           to->y + to->h <= from->y + from->h);
    for (uint32_t j = 0; j < to->h; j++)
        memcpy(dst + (size_t)j * to->w * bpp, px + ((dy + j) * from->w + dx) * bpp,
               (size_t)to->w * bpp);
}

int exec_core_margin(const struct plan *p, const struct plan_tile *t, int k, uint32_t *margin,
                     char *err)
{
    const struct plan_rect *w = &t->want[k], *c = &t->core;
    int64_t m = c->x - w->x;
    if (exec_core_in(p, t, k, err) < 0)
        return -1;
    if (c->y - w->y != m || (int64_t)w->w != c->w + 2 * m || (int64_t)w->h != c->h + 2 * m)
        return errf(err, "tile r%uc%u: its core %ux%u at (%lld,%lld) is not in the middle of "
                    "stage %d's input %ux%u at (%lld,%lld)", t->row, t->col, c->w, c->h,
                    (long long)c->x, (long long)c->y, k + 1, w->w, w->h, (long long)w->x,
                    (long long)w->y);
    *margin = (uint32_t)m;
    return 0;
}

/* finish - the result of stages [from, to): the core, or want[to] built
 * from out[to - 1] when the host must pad it.  Returns EXEC_OK or
 * EXEC_FAILED. */
static enum exec_result finish(const struct plan *p, const struct plan_tile *t, int to,
                               const uint8_t *last, struct exec_out *out, char *err)
{
    const struct plan_rect *have = &t->out[to - 1];
    const struct plan_rect *want = to < p->nstages ? &t->want[to] : &t->core;
    out->px = last;
    out->w = want->w;
    out->h = want->h;
    if (have->x == want->x && have->y == want->y && have->w == want->w && have->h == want->h)
        return EXEC_OK;
    assert(to < p->nstages);
    size_t bytes = (size_t)want->w * want->h * plan_bytes_per_pixel(&p->img[to]);
    if (!(out->own = malloc(bytes)))
        return errf(err, "out of memory for a %ux%u tile", want->w, want->h), EXEC_FAILED;
    place_padded(out->own, want, last, have, &p->img[to]);
    out->px = out->own;
    return EXEC_OK;
}

enum exec_result exec_chain(struct filter_module *const *mods, const struct stage_spec *stages,
                            const struct plan *p, const struct plan_tile *t, int from, int to,
                            const struct exec_stats *gs, uint64_t max_memory,
                            exec_fill_fn fill, void *ctx, struct exec_out *out, char *err)
{
    struct filter_inst *prev = NULL;
    const uint8_t *in = NULL;
    assert(from >= 0 && from < to && to <= p->nstages);
    memset(out, 0, sizeof *out);
    for (int k = from; k < to; k++) {
        struct stage st = {0};
        uint32_t rest = 0;
        enum exec_result res = stage_setup(mods[k], &stages[k], p, t, k, in, max_memory, fill,
                                           ctx, &st, &out->at_limit, err);
        /* The input is copied: free the previous instance before this one
         * runs, so that at most one instance's memory is in use while
         * filter code runs and the cap bounds the whole process. */
        filter_free(prev);
        prev = NULL;
        if (res == EXEC_OK && strcmp(stages[k].kind, "global") == 0 && !gs &&
            exec_core_margin(p, t, k, &rest, err) < 0)
            res = EXEC_FAILED;
        if (res == EXEC_OK && strcmp(stages[k].kind, "global") == 0)
            res = stage_stats(&stages[k], gs, rest, &st, err);
        if (res == EXEC_OK)
            res = stage_run(&stages[k], &st, &out->at_limit, err);
        if (res != EXEC_OK) {
            /* trapped or not: wasm code reaches nothing of the host's but
             * its own linear memory, so the instance is freed as usual */
            filter_free(st.fi);
            return res;
        }
        prev = st.fi;
        if (!(in = filter_mem(prev, st.c.out_px, st.out_bytes, err))) {
            filter_free(prev);
            return EXEC_FAILED;
        }
    }
    out->last = prev;
    if (finish(p, t, to, in, out, err) != EXEC_OK) {
        exec_release(out);
        return EXEC_FAILED;
    }
    return EXEC_OK;
}

void exec_release(struct exec_out *out)
{
    filter_free(out->last);
    free(out->own);
    out->last = NULL;
    out->own = NULL;
    out->px = NULL;
}
