/*
 * exec.c - a filter chain on one tile in fresh instances (exec.h).
 */
#include "exec.h"
#include "err.h"
#include "pad.h"

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
    uint32_t args[10];         /* tsf_process (8) or tsf_apply (10) arguments: in, ... */
    int global;                /* tsf_apply with the statistics in args[8], args[9] */
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

/* status_text - what a tsf_process error code means (filters/tsf.h). */
static const char *status_text(int32_t status)
{
    switch (status) {
    case 1: return "bad arguments";
    case 2: return "channel count not supported";
    case 3: return "out of memory";
    case 4: return "unusable parameter value";
    default: return "not defined by the ABI";
    }
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

/* place_input - the stage's input: copied from the previous stage's
 * output `in`, or (first stage, in == NULL) filled by the caller under
 * the trap guard, since decoding a tile runs host code in this process. */
static int place_input(struct stage *st, const uint8_t *in, size_t bytes, exec_fill_fn fill,
                       void *ctx, char *err)
{
    uint8_t *dst = filter_mem(st->fi, st->args[0], bytes, err);
    if (!dst)
        return -1;
    if (in) {
        memcpy(dst, in, bytes);
        return 0;
    }
    return exec_fill_guarded(st->fi, fill, ctx, dst, st->args[1], st->args[2], err);
}

/* stage_setup - instantiate a stage and place its input, params and
 * output buffer with guard bands.  Returns EXEC_OK, or EXEC_FAILED /
 * EXEC_TRAPPED with err filled (*limit set when the memory cap is why). */
static enum exec_result stage_setup(struct filter_module *mod, const struct stage_spec *s,
                                    uint32_t ch, const uint8_t *in, uint32_t in_w,
                                    uint32_t in_h, uint64_t max_memory, exec_fill_fn fill,
                                    void *ctx, struct stage *st, int *limit, char *err)
{
    uint32_t h2 = 2u * (uint32_t)s->halo, out_w = in_w - h2, out_h = in_h - h2;
    uint64_t in_bytes = (uint64_t)in_w * in_h * ch, out_bytes = (uint64_t)out_w * out_h * ch;
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS, in_off, block, p_off;
    int why, rc;
    if (in_bytes > UINT32_MAX - 16 || out_bytes + 2 * OUT_GUARD > UINT32_MAX - 16)
        return errf(err, "filter %s: tile of %ux%u is too large for a 32-bit memory", s->name,
                    in_w, in_h), EXEC_FAILED;
    if (!(st->fi = filter_instantiate(mod, max_memory, &why, err)))
        return *limit = why == FILTER_LIMIT, why == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    if ((rc = filter_call_alloc(st->fi, (uint32_t)in_bytes, &in_off, err)) != 0 ||
        (rc = filter_call_alloc(st->fi, (uint32_t)out_bytes + 2 * OUT_GUARD, &block, err)) != 0 ||
        (rc = filter_call_alloc(st->fi, psize, &p_off, err)) != 0) {
        /* blamed on the cap when what the host asks for could not fit */
        *limit = rc != FILTER_TRAP &&
                 note_limit(st->fi, s->name, in_bytes + out_bytes + 2 * OUT_GUARD + psize, err);
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    }
    uint32_t args[10] = {in_off, in_w, in_h, block + OUT_GUARD, out_w, out_h, ch, p_off};
    memcpy(st->args, args, sizeof args);
    uint8_t *pbuf = filter_mem(st->fi, p_off, psize, err);
    st->guard = filter_mem(st->fi, block, out_bytes + 2 * OUT_GUARD, err);
    if (!pbuf || !st->guard)
        return EXEC_FAILED;
    memcpy(pbuf, s->params, sizeof(float) * (size_t)s->nparams);
    if ((rc = place_input(st, in, (size_t)in_bytes, fill, ctx, err)) != 0)
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    /* last: a module whose tsf_alloc overlaps blocks harms only itself */
    guard_fill(st->guard);
    guard_fill(st->guard + OUT_GUARD + out_bytes);
    return EXEC_OK;
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
    st->args[8] = st->args[9] = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        uint8_t *dst = NULL;
        if ((src[k] || k == 0) && (rc = filter_call_alloc(st->fi, bytes, &st->args[8 + k],
                                                          err)) == 0 &&
            !(dst = filter_mem(st->fi, st->args[8 + k], bytes, err)))
            rc = -1;
        if (dst && src[k])
            memcpy(dst, src[k], bytes);
    }
    if (rc == 0 && !src[0]) {
        const uint32_t *a = st->args;
        uint32_t args[7] = {a[0], a[1], a[2], rest, a[6], a[7], a[8]};
        rc = filter_call_analyze(st->fi, args, &status, err);
        if (rc == 0 && status != 0)
            rc = errf(err, "filter %s: tsf_analyze returned error code %d (%s)", s->name,
                      status, status_text(status));
    }
    return rc == 0 ? EXEC_OK : rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
}

/* stage_run - call tsf_process (tsf_apply) and judge what it did. */
static enum exec_result stage_run(const struct stage_spec *s, struct stage *st, int *limit,
                                  char *err)
{
    int32_t status;
    int rc = st->global ? filter_call_apply(st->fi, st->args, &status, err)
                        : filter_call_process(st->fi, st->args, &status, err);
    if (rc == 0 && status != 0)
        rc = errf(err, "filter %s: tsf_process returned error code %d (%s)", s->name, status,
                  status_text(status));
    if (rc != 0) {
        *limit = note_limit(st->fi, s->name, 65536, err);
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    }
    uint64_t out_bytes = (uint64_t)st->args[4] * st->args[5] * st->args[6];
    int before = !guard_intact(st->guard);
    if (before || !guard_intact(st->guard + OUT_GUARD + out_bytes))
        return errf(err, "filter %s: wrote %s its output buffer (%llu bytes at offset %u), "
                    "output discarded", s->name, before ? "before the start of"
                    : "past the end of", (unsigned long long)out_bytes, st->args[3]),
               EXEC_FAILED;
    return EXEC_OK;
}

enum exec_result exec_chain(struct filter_module *const *mods, const struct stage_spec *stages,
                            int n, const struct exec_tile *t, uint64_t max_memory,
                            exec_fill_fn fill, void *ctx, struct exec_out *out, char *err)
{
    return exec_chain_stats(mods, stages, n, t, NULL, max_memory, fill, ctx, out, err);
}

enum exec_result exec_chain_stats(struct filter_module *const *mods,
                                  const struct stage_spec *stages, int n,
                                  const struct exec_tile *t, const struct exec_stats *gs,
                                  uint64_t max_memory, exec_fill_fn fill, void *ctx,
                                  struct exec_out *out, char *err)
{
    uint32_t ch = (uint32_t)t->channels;
    uint32_t w = t->w + 2u * (uint32_t)t->halo, h = t->h + 2u * (uint32_t)t->halo;
    int64_t rest = t->halo;
    struct filter_inst *prev = NULL;
    uint8_t *in = NULL;
    memset(out, 0, sizeof *out);
    for (int k = 0; k < n; k++) {
        struct stage st = {0};
        enum exec_result res = stage_setup(mods[k], &stages[k], ch, in, w, h, max_memory, fill,
                                           ctx, &st, &out->at_limit, err);
        /* The input is copied: free the previous instance before this one
         * runs, so that at most one instance's memory is in use while
         * filter code runs and the cap bounds the whole process. */
        filter_free(prev);
        prev = NULL;
        if (res == EXEC_OK && strcmp(stages[k].kind, "global") == 0)
            res = stage_stats(&stages[k], gs, (uint32_t)rest, &st, err);
        if (res == EXEC_OK)
            res = stage_run(&stages[k], &st, &out->at_limit, err);
        if (res != EXEC_OK) {
            /* trapped or not: wasm code reaches nothing of the host's but
             * its own linear memory, so the instance is freed as usual */
            filter_free(st.fi);
            return res;
        }
        prev = st.fi;
        rest -= stages[k].halo;
        w -= 2u * (uint32_t)stages[k].halo;
        h -= 2u * (uint32_t)stages[k].halo;
        in = filter_mem(prev, st.args[3], (uint64_t)w * h * ch, err);
        struct pad_rect r = {(int64_t)t->x0 - rest, (int64_t)t->y0 - rest, w, h};
        if (rest > 0 && pad_touches_border(&r, t->img_w, t->img_h))
            pad_replicate(in, &r, (int)ch, t->img_w, t->img_h);
    }
    out->last = prev;
    out->px = in;
    return EXEC_OK;
}

void exec_release(struct exec_out *out)
{
    filter_free(out->last);
    out->last = NULL;
    out->px = NULL;
}
