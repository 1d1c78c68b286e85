/*
 * exec.c - a filter chain on one tile in fresh instances (exec.h).
 */
#include "exec.h"
#include "err.h"
#include "pad.h"

#include <string.h>

/* run_stage - instantiate a stage, place its input and params, run it.
 * in == NULL: the first stage, whose input comes from fill(). */
static enum exec_result run_stage(struct filter_module *mod, const struct stage_spec *s,
                                  uint32_t ch, const uint8_t *in, uint32_t in_w, uint32_t in_h,
                                  uint64_t max_memory, exec_fill_fn fill, void *ctx,
                                  struct filter_inst **fi, uint32_t *out_off, char *err)
{
    uint32_t h2 = 2u * (uint32_t)s->halo, out_w = in_w - h2, out_h = in_h - h2, in_off, p_off;
    size_t in_bytes = (size_t)in_w * in_h * ch, psize = sizeof(float) * CHAIN_MAX_PARAMS;
    int trapped, rc;
    *fi = filter_instantiate(mod, max_memory, &trapped, err);
    if (!*fi)
        return trapped ? EXEC_TRAPPED : EXEC_FAILED;
    if ((rc = filter_call_alloc(*fi, (uint32_t)in_bytes, &in_off, err)) != 0 ||
        (rc = filter_call_alloc(*fi, out_w * out_h * ch, out_off, err)) != 0 ||
        (rc = filter_call_alloc(*fi, (uint32_t)psize, &p_off, err)) != 0)
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    uint8_t *inbuf = filter_mem(*fi, in_off, in_bytes, err);
    uint8_t *pbuf = filter_mem(*fi, p_off, psize, err);
    memcpy(pbuf, s->params, sizeof(float) * (size_t)s->nparams);
    if (in)
        memcpy(inbuf, in, in_bytes);
    else if (fill(ctx, inbuf, in_w, in_h, err) < 0)
        return EXEC_FAILED;
    uint32_t args[8] = {in_off, in_w, in_h, *out_off, out_w, out_h, ch, p_off};
    int32_t status;
    rc = filter_call_process(*fi, args, &status, err);
    if (rc != 0)
        return rc == FILTER_TRAP ? EXEC_TRAPPED : EXEC_FAILED;
    if (status != 0)
        return errf(err, "filter %s: tsf_process returned error %d", s->name, status),
               EXEC_FAILED;
    return EXEC_OK;
}

enum exec_result exec_chain(struct filter_module *const *mods, const struct stage_spec *stages,
                            int n, const struct exec_tile *t, uint64_t max_memory,
                            exec_fill_fn fill, void *ctx, struct exec_out *out, char *err)
{
    uint32_t ch = (uint32_t)t->channels;
    uint32_t w = t->w + 2u * (uint32_t)t->halo, h = t->h + 2u * (uint32_t)t->halo;
    int64_t rest = t->halo;
    struct filter_inst *prev = NULL, *fi = NULL;
    uint8_t *in = NULL;
    out->last = NULL;
    out->px = NULL;
    for (int k = 0; k < n; k++) {
        uint32_t out_off;
        enum exec_result res = run_stage(mods[k], &stages[k], ch, in, w, h, max_memory, fill,
                                         ctx, &fi, &out_off, err);
        filter_free(prev);
        if (res != EXEC_OK) {
            if (res != EXEC_TRAPPED)   /* a trapped instance is left to process exit */
                filter_free(fi);
            return res;
        }
        prev = fi;
        rest -= stages[k].halo;
        w -= 2u * (uint32_t)stages[k].halo;
        h -= 2u * (uint32_t)stages[k].halo;
        in = filter_mem(fi, out_off, (uint64_t)w * h * ch, err);
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
