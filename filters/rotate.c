/*
 * rotate.c - the rotate filter: turn the image clockwise by a right angle.
 *
 * angle (rounded halves up) 90, 180 or 270, clockwise as vips rot d90;
 * any other value is TSF_EPARAM.  W x H the input, output pixel (X, Y) is
 *   90    input (Y, H - 1 - X)            output H x W
 *   180   input (W - 1 - X, H - 1 - Y)    output W x H
 *   270   input (W - 1 - Y, X)            output H x W
 * every channel and depth copied unchanged.
 */
#include "tsf.h"
#include "tsf_geometry.h"

#define PARAMS(X) X(angle, 90, 0, 270, "clockwise, in degrees: 90, 180 or 270")

TSF_GEOMETRY_FILTER("rotate", "Rotate clockwise by 90, 180 or 270 degrees; alpha copied",
                    "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

/* rotate_map - the map for these params; TSF_OK or TSF_EPARAM. */
static int32_t rotate_map(const float *p, const struct tsf_image *in, struct tsf_remap *m)
{
    int64_t w = in->w, h = in->h;
    switch (tsf_round_i(p[P_angle])) {
    case 90:
        *m = (struct tsf_remap){0, 1, 0, -1, 0, h - 1};
        return TSF_OK;
    case 180:
        *m = (struct tsf_remap){-1, 0, w - 1, 0, -1, h - 1};
        return TSF_OK;
    case 270:
        *m = (struct tsf_remap){0, -1, w - 1, 1, 0, 0};
        return TSF_OK;
    default:
        return TSF_EPARAM;
    }
}

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    struct tsf_remap m;
    int32_t rc = rotate_map(p, in, &m);
    if (rc == TSF_OK && m.ax == 0) {
        out->w = in->h;
        out->h = in->w;
    }
    return rc;
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    struct tsf_remap m;
    int32_t rc = rotate_map(p, in, &m);
    (void)out;
    return rc == TSF_OK ? tsf_remap_region(&m, out_rect, in_rect) : rc;
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_remap m;
    int32_t rc = rotate_map(c->p, &c->src, &m);
    return rc == TSF_OK ? tsf_remap_copy(c, &m) : rc;
}
