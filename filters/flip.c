/*
 * flip.c - the flip filter: mirror the image left-right or upside down.
 *
 * W x H the input, output pixel (X, Y) is input pixel
 *   horizontal   (W - 1 - X, Y)
 *   vertical     (X, H - 1 - Y)
 * every channel and depth copied unchanged; the size is kept.
 */
#include "tsf.h"
#include "tsf_geometry.h"

#define PARAMS(X) X(direction, 0, 0, 1, "horizontal (left-right) or vertical (upside down)")
#define CHOICES(X) X(direction, "horizontal", "vertical")

TSF_GEOMETRY_FILTER("flip", "Mirror horizontally (left-right) or vertically; alpha copied",
                    "[1,2,3,4]", "[8,16]", PARAMS, CHOICES);

/* flip_map - the map for these params. */
static void flip_map(const float *p, const struct tsf_image *in, struct tsf_remap *m)
{
    if (tsf_round_i(p[P_direction]) == 0)
        *m = (struct tsf_remap){-1, 0, (int64_t)in->w - 1, 0, 1, 0};
    else
        *m = (struct tsf_remap){1, 0, 0, 0, -1, (int64_t)in->h - 1};
}

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    (void)p, (void)in, (void)out;
    return TSF_OK;
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    struct tsf_remap m;
    (void)out;
    flip_map(p, in, &m);
    return tsf_remap_region(&m, out_rect, in_rect);
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_remap m;
    flip_map(c->p, &c->src, &m);
    return tsf_remap_copy(c, &m);
}
