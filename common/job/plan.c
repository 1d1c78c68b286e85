/*
 * plan.c - plan a job backwards from its output grid (plan.h).
 */
#include "plan.h"
#include "err.h"

#include <assert.h>
#include <string.h>

int plan_grid(struct plan *p, uint32_t tile_size, char *err)
{
    const struct plan_image *o = &p->img[p->nstages];
    assert(p->nstages >= 0 && p->nstages <= CHAIN_MAX_STAGES);
    if (tile_size == 0)
        return errf(err, "tile size must be at least 1");
    if (o->w == 0 || o->h == 0)
        return errf(err, "internal: output image of the plan is empty");
    uint64_t cols = ((uint64_t)o->w + tile_size - 1) / tile_size;
    uint64_t rows = ((uint64_t)o->h + tile_size - 1) / tile_size;
    if (cols > (1u << 24) || rows > (1u << 24))
        return errf(err, "tile size %u makes a grid of %llux%llu tiles; use a larger -t",
                    tile_size, (unsigned long long)cols, (unsigned long long)rows);
    p->tile_size = tile_size;
    p->cols = (uint32_t)cols;
    p->rows = (uint32_t)rows;
    return 0;
}

/* clip - r clipped to a w x h image into *c; 0 if the two overlap, else -1. */
static int clip(const struct plan_rect *r, uint32_t w, uint32_t h, struct plan_rect *c)
{
    int64_t x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
    int64_t x1 = r->x + r->w > (int64_t)w ? (int64_t)w : r->x + r->w;
    int64_t y1 = r->y + r->h > (int64_t)h ? (int64_t)h : r->y + r->h;
    if (x1 <= x0 || y1 <= y0)
        return -1;
    c->x = x0;
    c->y = y0;
    c->w = (uint32_t)(x1 - x0);
    c->h = (uint32_t)(y1 - y0);
    return 0;
}

/* check_want - a stage's answer must be a sane rectangle that overlaps
 * its input image. */
static int check_want(const struct plan_rect *r, const struct plan_image *in,
                      const char *name, const struct plan_rect *out, char *err)
{
    struct plan_rect c;
    if (r->w == 0 || r->h == 0 ||
        r->x < -PLAN_MAX_COORD || r->y < -PLAN_MAX_COORD ||
        r->x + r->w > PLAN_MAX_COORD || r->y + r->h > PLAN_MAX_COORD ||
        (uint64_t)r->w * r->h > PLAN_MAX_RECT_PIXELS)
        return errf(err, "filter %s: asked for input rectangle %ux%u at (%lld,%lld) for "
                    "output %ux%u at (%lld,%lld): empty or out of range", name, r->w, r->h,
                    (long long)r->x, (long long)r->y, out->w, out->h, (long long)out->x,
                    (long long)out->y);
    if (clip(r, in->w, in->h, &c) < 0)
        return errf(err, "filter %s: asked for input rectangle %ux%u at (%lld,%lld), "
                    "outside its %ux%u input image", name, r->w, r->h, (long long)r->x,
                    (long long)r->y, in->w, in->h);
    return 0;
}

int plan_tile(const struct plan *p, uint32_t row, uint32_t col, plan_region_fn fn, void *ctx,
              const char (*names)[64], struct plan_tile *t, char *err)
{
    const struct plan_image *o = &p->img[p->nstages];
    assert(row < p->rows && col < p->cols);
    memset(t, 0, sizeof *t);
    t->row = row;
    t->col = col;
    t->core.x = (int64_t)col * p->tile_size;
    t->core.y = (int64_t)row * p->tile_size;
    t->core.w = o->w - (uint32_t)t->core.x < p->tile_size ? o->w - (uint32_t)t->core.x
                                                           : p->tile_size;
    t->core.h = o->h - (uint32_t)t->core.y < p->tile_size ? o->h - (uint32_t)t->core.y
                                                           : p->tile_size;
    struct plan_rect want = t->core;
    for (int k = p->nstages - 1; k >= 0; k--) {
        const struct plan_image *after = &p->img[k + 1];
        if (clip(&want, after->w, after->h, &t->out[k]) < 0)
            return errf(err, "internal: plan of tile r%uc%u: stage %d's output is empty",
                        row, col, k);
        if (fn(ctx, k, &t->out[k], &t->want[k], err) < 0)
            return -1;
        if (check_want(&t->want[k], &p->img[k], names[k], &t->out[k], err) < 0)
            return -1;
        want = t->want[k];
    }
    return 0;
}

int plan_halo_region(void *ctx, int stage, const struct plan_rect *out, struct plan_rect *want,
                     char *err)
{
    const int *halo = ctx;
    int64_t h = halo[stage];
    (void)err;
    assert(h >= 0);
    *want = (struct plan_rect){out->x - h, out->y - h, out->w + 2u * (uint32_t)h,
                               out->h + 2u * (uint32_t)h};
    return 0;
}

static int rect_equal(const struct plan_rect *a, const struct plan_rect *b)
{
    return a->x == b->x && a->y == b->y && a->w == b->w && a->h == b->h;
}

int plan_tile_equal(const struct plan *p, const struct plan_tile *a, const struct plan_tile *b)
{
    if (!rect_equal(&a->core, &b->core))
        return 0;
    for (int k = 0; k < p->nstages; k++)
        if (!rect_equal(&a->want[k], &b->want[k]) || !rect_equal(&a->out[k], &b->out[k]))
            return 0;
    return 1;
}
