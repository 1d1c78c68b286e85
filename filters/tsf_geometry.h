/*
 * tsf_geometry.h - moving whole pixels for the geometry filters crop,
 * rotate, flip and transpose.
 *
 * Each of them is a map that takes output pixel (X, Y) from input pixel
 *
 *	u = ax X + bx Y + cx,    v = ay X + by Y + cy
 *
 * with ax, bx, ay, by in {-1, 0, 1} (a rotation by a multiple of 90
 * degrees, a mirror or a shift).  tsf_remap_region gives the input
 * rectangle an output rectangle reads (the images of its corners), and
 * tsf_remap_copy copies the pixels, any channel count and depth, from
 * absolute positions, so tiles are seam-free.  Nothing is resampled:
 * the output's samples are the input's.
 */
#ifndef TSF_GEOMETRY_H
#define TSF_GEOMETRY_H

#include "tsf.h"

/* out(X, Y) = in(ax X + bx Y + cx, ay X + by Y + cy) */
struct tsf_remap {
    int64_t ax, bx, cx, ay, by, cy;
};

/* tsf__remap_range - the least and greatest of a X + b Y + c over the rect. */
static inline void tsf__remap_range(int64_t a, int64_t b, int64_t c, const struct tsf_rect *r,
                                    int64_t *lo, int64_t *hi)
{
    int64_t x0 = r->x, x1 = (int64_t)r->x + r->w - 1, y0 = r->y, y1 = (int64_t)r->y + r->h - 1;
    int64_t ax0 = a * x0, ax1 = a * x1, by0 = b * y0, by1 = b * y1;
    *lo = (ax0 < ax1 ? ax0 : ax1) + (by0 < by1 ? by0 : by1) + c;
    *hi = (ax0 > ax1 ? ax0 : ax1) + (by0 > by1 ? by0 : by1) + c;
}

/* tsf_remap_region - the input rectangle that out_rect reads; TSF_OK. */
static inline int32_t tsf_remap_region(const struct tsf_remap *m,
                                       const struct tsf_rect *out_rect, struct tsf_rect *in_rect)
{
    int64_t u0, u1, v0, v1;
    tsf__remap_range(m->ax, m->bx, m->cx, out_rect, &u0, &u1);
    tsf__remap_range(m->ay, m->by, m->cy, out_rect, &v0, &v1);
    *in_rect = (struct tsf_rect){(int32_t)u0, (int32_t)v0, (uint32_t)(u1 - u0 + 1),
                                 (uint32_t)(v1 - v0 + 1)};
    return TSF_OK;
}

/*
 * tsf_remap_copy - fill c->out through the map m.  Each output row is a
 * walk through the input with a fixed step, so the loop is one load and
 * one store of a pixel's bytes per pixel, or, where the step is one pixel
 * (a crop), a copy of the row.  Returns TSF_OK.
 */
static inline int32_t tsf_remap_copy(const struct tsf_call *c, const struct tsf_remap *m)
{
    size_t b = (size_t)c->ch * (c->depth / 8);
    int64_t step = (m->ay * (int64_t)c->in_w + m->ax) * (int64_t)b;
    for (uint32_t j = 0; j < c->out_h; j++) {
        int64_t X = c->out_rect.x, Y = (int64_t)c->out_rect.y + j;
        int64_t u = m->ax * X + m->bx * Y + m->cx - c->in_rect.x;
        int64_t v = m->ay * X + m->by * Y + m->cy - c->in_rect.y;
        const uint8_t *s = c->in + (v * (int64_t)c->in_w + u) * (int64_t)b;
        uint8_t *d = c->out + (size_t)j * c->out_w * b;
        if (step == (int64_t)b) {
            memcpy(d, s, (size_t)c->out_w * b); /* a crop's rows: one bulk copy */
            continue;
        }
        for (uint32_t i = 0; i < c->out_w; i++, s += step, d += b)
            for (size_t k = 0; k < b; k++)
                d[k] = s[k];
    }
    return TSF_OK;
}

#endif /* TSF_GEOMETRY_H */
