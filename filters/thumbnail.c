/*
 * thumbnail.c - the thumbnail filter: fit an image to a width x height box.
 *
 * Size (W x H the input, bw x bh the box, 0 = unconstrained; every
 * division rounds halves up, each size at least 1):
 *   binding axis   inside: the one with the smaller ratio box / image
 *                  (width when bw H <= bh W), cover: the larger (width
 *                  when bw H >= bh W); with one side 0, the other binds
 *   scale          t / n of the binding axis (t its box side, n its
 *                  image side); without upscale=1 at most 1 (1 / 1)
 *   scaled size    sw = round(W t / n), sh = round(H t / n): the binding
 *                  side lands exactly on the box, as vipsthumbnail does
 *   output         inside: sw x sh; cover: the box (clipped to sw x sh
 *                  when not enlarging), cut from the centre of the scaled
 *                  image at x0 = floor((sw - bw) / 2), y0 likewise
 *   exact          bw x bh regardless of aspect (each at most the
 *                  image's side without upscale); with one side 0 as
 *                  inside
 *   neither side   TSF_EPARAM
 * Resampling is resize's (tsf_resample.h), each axis by its ratio of
 * scaled to image size, output pixel x being scaled pixel x + x0; alpha
 * resampled like the other channels, not premultiplied.
 */
#include "tsf.h"
#include "tsf_resample.h"

#define PARAMS(X)                                                                       \
    X(width, 0, 0, 16777216, "box width; 0 = unconstrained")                            \
    X(height, 0, 0, 16777216, "box height; 0 = unconstrained")                          \
    X(fit, 0, 0, 2, "inside the box, cover it (centre-cropped) or exact (aspect lost)") \
    X(upscale, 0, 0, 1, "1 = enlarge images smaller than the box")                      \
    X(kernel, 3, 0, 3, "resampling kernel: nearest, linear, cubic or lanczos3")
#define CHOICES(X)                     \
    X(fit, "inside", "cover", "exact") \
    X(kernel, "nearest", "linear", "cubic", "lanczos3")

enum { FIT_INSIDE, FIT_COVER, FIT_EXACT };

TSF_GEOMETRY_FILTER("thumbnail",
                    "Shrink to fit a width x height box (inside, cover with a centre crop, "
                    "or exact); never enlarges unless upscale=1; lanczos3 by default; alpha "
                    "resampled, not premultiplied",
                    "[1,2,3,4]", "[8,16]", PARAMS, CHOICES);

/* thumb_min - the smaller of a and b. */
static int64_t thumb_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* thumb_scaled - the scaled size (sw, sh) of the fits inside and cover. */
static void thumb_scaled(int64_t iw, int64_t ih, int64_t bw, int64_t bh, int fit, int up,
                         int64_t *sw, int64_t *sh)
{
    int width_binds;
    if (bh == 0 || bw == 0)
        width_binds = bh == 0;
    else if (fit == FIT_COVER)
        width_binds = bw * ih >= bh * iw;
    else
        width_binds = bw * ih <= bh * iw;
    int64_t t = width_binds ? bw : bh, n = width_binds ? iw : ih;
    if (!up && t > n)
        t = n = 1;
    *sw = tsf_rs_round_div(iw * t, n);
    *sh = tsf_rs_round_div(ih * t, n);
}

/* thumb_axes - the axes and output size for image in; TSF_OK or an error code. */
static int32_t thumb_axes(const float *p, const struct tsf_image *in, struct tsf_rs_axis *ax,
                          struct tsf_rs_axis *ay, struct tsf_image *out)
{
    int64_t iw = in->w, ih = in->h, bw = tsf_round_i(p[P_width]), bh = tsf_round_i(p[P_height]);
    int64_t sw, sh, ow, oh;
    int fit = tsf_round_i(p[P_fit]), up = tsf_round_i(p[P_upscale]) != 0;
    if (bw == 0 && bh == 0)
        return TSF_EPARAM;
    if (fit == FIT_EXACT && bw && bh) {
        sw = ow = up ? bw : thumb_min(bw, iw);
        sh = oh = up ? bh : thumb_min(bh, ih);
    } else {
        thumb_scaled(iw, ih, bw, bh, fit, up, &sw, &sh);
        sw = sw < 1 ? 1 : sw;
        sh = sh < 1 ? 1 : sh;
        ow = fit == FIT_COVER && bw ? thumb_min(bw, sw) : sw;
        oh = fit == FIT_COVER && bh ? thumb_min(bh, sh) : sh;
    }
    if (sw > (1 << 30) || sh > (1 << 30))
        return TSF_EBADARG;
    int kernel = tsf_round_i(p[P_kernel]);
    *ax = (struct tsf_rs_axis){iw, sw, (sw - ow) / 2, kernel};
    *ay = (struct tsf_rs_axis){ih, sh, (sh - oh) / 2, kernel};
    out->w = (uint32_t)ow;
    out->h = (uint32_t)oh;
    return TSF_OK;
}

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    struct tsf_rs_axis ax, ay;
    return thumb_axes(p, in, &ax, &ay, out);
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    struct tsf_rs_axis ax, ay;
    struct tsf_image o = *out;
    int32_t rc = thumb_axes(p, in, &ax, &ay, &o);
    return rc == TSF_OK ? tsf_rs_region(&ax, &ay, out_rect, in_rect) : rc;
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_rs_axis ax, ay;
    struct tsf_image o = c->dst;
    int32_t rc = thumb_axes(c->p, &c->src, &ax, &ay, &o);
    return rc == TSF_OK ? tsf_rs_process(c, &ax, &ay) : rc;
}
