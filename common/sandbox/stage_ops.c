/*
 * stage_ops.c - plan, region and run of a stage, for ABI v1 and v2
 * modules alike (stage_ops.h).
 *
 * A v2 module's answers are untrusted: sizes, counts and rectangles come
 * out of its memory as int32 and are checked here (plan) or here and in
 * plan_tile (region) before anything is sized by them.
 */
#include "stage_ops.h"
#include "err.h"

#include <stdio.h>
#include <string.h>

/* The argument block of the v2 calls: 20 little-endian int32
 * (filters/ABI.md), by index. */
enum {
    A_IN_W, A_IN_H, A_IN_CH, A_IN_DEPTH, A_OUT_W, A_OUT_H, A_OUT_CH, A_OUT_DEPTH,
    A_PARAMS, A_IN_X, A_IN_Y, A_IN_RW, A_IN_RH, A_OUT_X, A_OUT_Y, A_OUT_RW, A_OUT_RH,
    A_IN_PX, A_OUT_PX, A_RESERVED, A_COUNT
};

/* Module return codes the host gives a meaning to. */
#define TSF_EBADARG 1
#define TSF_ECHANNELS 2
#define TSF_EPARAM 4
#define TSF_EDEPTH 5

const char *stage_status_text(int32_t status)
{
    switch (status) {
    case 1: return "bad arguments";
    case 2: return "channel count not supported";
    case 3: return "out of memory";
    case 4: return "unusable parameter value";
    case 5: return "sample depth not supported";
    default: return "not defined by the ABI";
    }
}

/* put_block - a[] into the block at b, little-endian whatever the host. */
static void put_block(uint8_t *b, const int32_t a[A_COUNT])
{
    for (int i = 0; i < A_COUNT; i++) {
        uint32_t v = (uint32_t)a[i];
        for (int k = 0; k < 4; k++)
            b[4 * i + k] = (uint8_t)(v >> (8 * k));
    }
}

/* get_block - the block at b into a[]. */
static void get_block(const uint8_t *b, int32_t a[A_COUNT])
{
    for (int i = 0; i < A_COUNT; i++) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++)
            v |= (uint32_t)b[4 * i + k] << (8 * k);
        a[i] = (int32_t)v;
    }
}

/* put_images - the whole input and output images into a[]. */
static void put_images(int32_t a[A_COUNT], const struct plan_image *in,
                       const struct plan_image *out)
{
    a[A_IN_W] = (int32_t)in->w;
    a[A_IN_H] = (int32_t)in->h;
    a[A_IN_CH] = in->ch;
    a[A_IN_DEPTH] = in->depth;
    if (out) {
        a[A_OUT_W] = (int32_t)out->w;
        a[A_OUT_H] = (int32_t)out->h;
        a[A_OUT_CH] = out->ch;
        a[A_OUT_DEPTH] = out->depth;
    }
}

enum v2_call { V2_PLAN, V2_REGION };

/* call_fresh - in a fresh instance of m capped at max_memory: place the
 * params and the block a[], call tsf_plan or tsf_region, read the block
 * back into a[].  Returns 0 with *status, -1, FILTER_TRAP or FILTER_LIMIT. */
static int call_fresh(struct filter_module *m, const struct stage_spec *s, uint64_t max_memory,
                      enum v2_call which, int32_t a[A_COUNT], int32_t *status, char *err)
{
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS, p_off, b_off;
    int why, rc;
    struct filter_inst *fi = filter_instantiate(m, max_memory, &why, err);
    if (!fi)
        return why == FILTER_TRAP || why == FILTER_LIMIT ? why : -1;
    if ((rc = filter_call_alloc(fi, psize, &p_off, err)) == 0 &&
        (rc = filter_call_alloc(fi, FILTER_ARGS_BYTES, &b_off, err)) == 0) {
        uint8_t *p = filter_mem(fi, p_off, psize, err);
        uint8_t *b = p ? filter_mem(fi, b_off, FILTER_ARGS_BYTES, err) : NULL;
        rc = b ? 0 : -1;
        if (b) {
            memset(p, 0, psize);
            memcpy(p, s->params, sizeof(float) * (size_t)s->nparams);
            a[A_PARAMS] = (int32_t)p_off;
            put_block(b, a);
            rc = which == V2_PLAN ? filter_call_plan(fi, b_off, status, err)
                                  : filter_call_region(fi, b_off, status, err);
        }
        /* the module may have grown its memory: look the block up again */
        if (rc == 0 && (b = filter_mem(fi, b_off, FILTER_ARGS_BYTES, err)) != NULL)
            get_block(b, a);
        else if (rc == 0)
            rc = -1;
    }
    filter_free(fi);    /* even trapped: wasm code cannot touch the host's heap */
    return rc;
}

/* takes - STAGE_REFUSED unless stage s takes image *in's channels and
 * depth (its describe lists). */
static int takes(const struct stage_spec *s, const struct plan_image *in, char *err)
{
    unsigned depths = s->depths ? s->depths : STAGE_DEPTH_8;    /* not recorded: v1's */
    if (!(depths & stage_depth_bit(in->depth)))
        return errf(err, "filter %s takes %s samples only; the image has %d%s", s->name,
                    depths & STAGE_DEPTH_16 ? "16-bit" : "8-bit", in->depth,
                    in->depth == 16 ? " (use --depth 8)" : ""), STAGE_REFUSED;
    if (in->ch < 1 || in->ch > 4 || !(s->channels_mask & 1u << in->ch)) {
        char list[16] = "";
        for (int c = 1; c <= 4; c++)
            if (s->channels_mask & 1u << c)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d",
                         list[0] ? "," : "", c);
        return errf(err, "filter %s takes %s channels; its input has %d", s->name, list,
                    in->ch), STAGE_REFUSED;
    }
    return 0;
}

/* check_plan - a v2 module's plan answer a[] for image *in: sane, within
 * max_pixels, and of the shape its kind allows.  Returns 0, -1 (the
 * module's fault) or STAGE_REFUSED. */
static int check_plan(const struct stage_spec *s, const struct plan_image *in,
                      const int32_t a[A_COUNT], uint64_t max_pixels, struct plan_image *out,
                      char *err)
{
    int32_t w = a[A_OUT_W], h = a[A_OUT_H], ch = a[A_OUT_CH], d = a[A_OUT_DEPTH];
    if (w < 1 || h < 1 || w > PLAN_MAX_COORD || h > PLAN_MAX_COORD || ch < 1 || ch > 4 ||
        (d != 8 && d != 16))
        return errf(err, "filter %s: tsf_plan made %dx%d, %d channels, %d-bit of a %ux%u "
                    "image: not a usable image", s->name, w, h, ch, d, in->w, in->h);
    if (max_pixels && (uint64_t)w * (uint64_t)h > max_pixels)     /* 0: no limit */
        return errf(err, "filter %s: its output would be %dx%d, more than the %llu pixels "
                    "allowed", s->name, w, h, (unsigned long long)max_pixels), STAGE_REFUSED;
    out->w = (uint32_t)w;
    out->h = (uint32_t)h;
    out->ch = ch;
    out->depth = d;
    int global = strcmp(s->kind, "global") == 0;
    if (strcmp(s->kind, "geometry") != 0 && (out->w != in->w || out->h != in->h))
        return errf(err, "filter %s: kind %s, but its plan makes %ux%u of a %ux%u image",
                    s->name, s->kind, out->w, out->h, in->w, in->h);
    if (global && (out->ch != in->ch || out->depth != in->depth))
        return errf(err, "filter %s: kind global, but its plan changes the channels or depth "
                    "(%d, %d-bit of %d, %d-bit)", s->name, out->ch, out->depth, in->ch,
                    in->depth);
    return 0;
}

int stage_op_plan(struct filter_module *m, const struct stage_spec *s,
                  const struct plan_image *in, uint64_t max_pixels, uint64_t max_memory,
                  struct plan_image *out, char *err)
{
    int rc = takes(s, in, err);
    if (rc != 0)
        return rc;
    if (!stage_is_v2(s)) {
        if (in->depth != 8)     /* whatever its describe says: tsf_process is 8-bit */
            return errf(err, "filter %s takes 8-bit samples only; the image has %d (use "
                        "--depth 8)", s->name, in->depth), STAGE_REFUSED;
        *out = *in;
        return 0;
    }
    int32_t a[A_COUNT] = {0}, status = 0;
    put_images(a, in, NULL);
    if ((rc = call_fresh(m, s, max_memory, V2_PLAN, a, &status, err)) != 0)
        return rc;
    if (status == TSF_EBADARG || status == TSF_ECHANNELS || status == TSF_EPARAM ||
        status == TSF_EDEPTH)
        return errf(err, "filter %s: cannot make anything of a %ux%u image of %d channels, "
                    "%d-bit, with these parameters: %s", s->name, in->w, in->h, in->ch,
                    in->depth, stage_status_text(status)), STAGE_REFUSED;
    if (status != 0)
        return errf(err, "filter %s: tsf_plan returned error code %d (%s)", s->name, status,
                    stage_status_text(status));
    return check_plan(s, in, a, max_pixels, out, err);
}

/* check_margin - for kinds other than geometry: *want is *out_rect grown
 * by one margin >= 0 on every side.  Returns 0 or -1. */
static int check_margin(const struct stage_spec *s, const struct plan_rect *out_rect,
                        const struct plan_rect *want, char *err)
{
    int64_t h = out_rect->x - want->x;
    if (strcmp(s->kind, "geometry") == 0 ||
        (h >= 0 && out_rect->y - want->y == h && (int64_t)want->w == out_rect->w + 2 * h &&
         (int64_t)want->h == out_rect->h + 2 * h))
        return 0;
    return errf(err, "filter %s: inconsistent answers: kind %s, but the region of output "
                "%ux%u at (%lld,%lld) is %ux%u at (%lld,%lld), not one margin on every side",
                s->name, s->kind, out_rect->w, out_rect->h, (long long)out_rect->x,
                (long long)out_rect->y, want->w, want->h, (long long)want->x,
                (long long)want->y);
}

int stage_op_region(struct filter_module *m, const struct stage_spec *s,
                    const struct plan_image *in, const struct plan_image *out,
                    const struct plan_rect *out_rect, uint64_t max_memory,
                    struct plan_rect *want, char *err)
{
    if (!stage_is_v2(s)) {
        want->x = out_rect->x - s->halo;
        want->y = out_rect->y - s->halo;
        want->w = out_rect->w + 2u * (uint32_t)s->halo;
        want->h = out_rect->h + 2u * (uint32_t)s->halo;
        return 0;
    }
    int32_t a[A_COUNT] = {0}, status = 0;
    int rc;
    put_images(a, in, out);
    a[A_OUT_X] = (int32_t)out_rect->x;
    a[A_OUT_Y] = (int32_t)out_rect->y;
    a[A_OUT_RW] = (int32_t)out_rect->w;
    a[A_OUT_RH] = (int32_t)out_rect->h;
    if ((rc = call_fresh(m, s, max_memory, V2_REGION, a, &status, err)) != 0)
        return rc;
    if (status != 0)
        return errf(err, "filter %s: tsf_region returned error code %d (%s)", s->name, status,
                    stage_status_text(status));
    if (a[A_IN_RW] < 1 || a[A_IN_RH] < 1)
        return errf(err, "filter %s: asked for input rectangle %dx%d for output %ux%u at "
                    "(%lld,%lld): empty", s->name, a[A_IN_RW], a[A_IN_RH], out_rect->w,
                    out_rect->h, (long long)out_rect->x, (long long)out_rect->y);
    want->x = a[A_IN_X];
    want->y = a[A_IN_Y];
    want->w = (uint32_t)a[A_IN_RW];
    want->h = (uint32_t)a[A_IN_RH];
    return check_margin(s, out_rect, want, err);
}

int stage_op_run(struct filter_inst *fi, const struct stage_spec *s, const struct stage_call *c,
                 int32_t *status, char *err)
{
    if (!stage_is_v2(s)) {
        const uint32_t args[8] = {c->in_px, c->in_rect.w, c->in_rect.h, c->out_px,
                                  c->out_rect.w, c->out_rect.h, (uint32_t)c->in.ch,
                                  c->params};
        return filter_call_process(fi, args, status, err);
    }
    int32_t a[A_COUNT] = {0};
    put_images(a, &c->in, &c->out);
    a[A_PARAMS] = (int32_t)c->params;
    a[A_IN_X] = (int32_t)c->in_rect.x;
    a[A_IN_Y] = (int32_t)c->in_rect.y;
    a[A_IN_RW] = (int32_t)c->in_rect.w;
    a[A_IN_RH] = (int32_t)c->in_rect.h;
    a[A_OUT_X] = (int32_t)c->out_rect.x;
    a[A_OUT_Y] = (int32_t)c->out_rect.y;
    a[A_OUT_RW] = (int32_t)c->out_rect.w;
    a[A_OUT_RH] = (int32_t)c->out_rect.h;
    a[A_IN_PX] = (int32_t)c->in_px;
    a[A_OUT_PX] = (int32_t)c->out_px;
    uint8_t *b = filter_mem(fi, c->args, FILTER_ARGS_BYTES, err);
    if (!b)
        return -1;
    put_block(b, a);
    return filter_call_run(fi, c->args, status, err);
}
