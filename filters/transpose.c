/*
 * transpose.c - the transpose filter: swap the axes.
 *
 * Output pixel (X, Y) is input pixel (Y, X); a W x H input gives H x W,
 * every channel and depth copied unchanged.
 */
#include "tsf.h"
#include "tsf_geometry.h"

TSF_GEOMETRY_FILTER("transpose", "Swap the axes, (x, y) to (y, x); alpha copied", "[1,2,3,4]",
                    "[8,16]", TSF_NO_PARAMS, TSF_NO_CHOICES);

static const struct tsf_remap transpose_map = {0, 1, 0, 1, 0, 0};

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    (void)p;
    out->w = in->h;
    out->h = in->w;
    return TSF_OK;
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    (void)p, (void)in, (void)out;
    return tsf_remap_region(&transpose_map, out_rect, in_rect);
}

static int32_t filter_process(const struct tsf_call *c)
{
    return tsf_remap_copy(c, &transpose_map);
}
