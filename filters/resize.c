/*
 * resize.c - the resize filter: scale an image to a given size.
 *
 * Output size (W x H the input; values rounded halves up):
 *   scale > 0       round(W scale) x round(H scale), each at least 1
 *                   (scale with width or height too: TSF_EPARAM)
 *   width, height   as given; one of them 0: round(H width / W) (or
 *                   round(W height / H)), at least 1, so the aspect is kept
 *   all three 0     TSF_EPARAM
 * Each axis is resampled from its exact ratio, out / in, with the
 * kernel chosen (default lanczos3, as libvips): output pixel x has its
 * centre at (x + 0.5) in / out - 0.5 in the input, shrinking stretches the
 * kernel by in / out (antialiasing, like libvips reduce), and the weights
 * and integer passes are those of tsf_resample.h.  An axis whose size is
 * kept is copied.  Alpha is resampled like the other channels, not
 * premultiplied (as libvips resize by default).
 */
#include "tsf.h"
#include "tsf_resample.h"

#define PARAMS(X)                                                                           \
    X(width, 0, 0, 16777216, "output width; 0 = from height or scale, keeping the aspect")  \
    X(height, 0, 0, 16777216, "output height; 0 = from width or scale, keeping the aspect") \
    X(scale, 0, 0, 100, "scale both axes by this, output round(in scale); 0 = unused")      \
    X(kernel, 3, 0, 3, "resampling kernel: nearest, linear, cubic or lanczos3")
#define CHOICES(X) X(kernel, "nearest", "linear", "cubic", "lanczos3")

TSF_GEOMETRY_FILTER("resize",
                    "Resize to width x height or by scale (aspect kept when one is 0); "
                    "lanczos3 by default, antialiased when shrinking; alpha resampled, "
                    "not premultiplied",
                    "[1,2,3,4]", "[8,16]", PARAMS, CHOICES);

/* resize_axes - the axes these params make of image in; TSF_OK or an error code. */
static int32_t resize_axes(const float *p, const struct tsf_image *in, struct tsf_rs_axis *ax,
                           struct tsf_rs_axis *ay)
{
    int64_t iw = in->w, ih = in->h, w = tsf_round_i(p[P_width]), h = tsf_round_i(p[P_height]);
    double s = p[P_scale];
    if (s > 0.0) {
        if (w || h)
            return TSF_EPARAM;
        w = tsf_rs_round_d((double)iw * s);
        h = tsf_rs_round_d((double)ih * s);
    } else if (w == 0 && h == 0) {
        return TSF_EPARAM;
    } else if (w == 0) {
        w = tsf_rs_round_div(iw * h, ih);
    } else if (h == 0) {
        h = tsf_rs_round_div(ih * w, iw);
    }
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    if (w > (1 << 30) || h > (1 << 30))
        return TSF_EBADARG;
    int kernel = tsf_round_i(p[P_kernel]);
    *ax = (struct tsf_rs_axis){iw, w, 0, kernel};
    *ay = (struct tsf_rs_axis){ih, h, 0, kernel};
    return TSF_OK;
}

static int32_t filter_plan(const float *p, const struct tsf_image *in, struct tsf_image *out)
{
    struct tsf_rs_axis ax, ay;
    int32_t rc = resize_axes(p, in, &ax, &ay);
    if (rc != TSF_OK)
        return rc;
    out->w = (uint32_t)ax.m;
    out->h = (uint32_t)ay.m;
    return TSF_OK;
}

static int32_t filter_region(const float *p, const struct tsf_image *in,
                             const struct tsf_image *out, const struct tsf_rect *out_rect,
                             struct tsf_rect *in_rect)
{
    struct tsf_rs_axis ax, ay;
    int32_t rc = resize_axes(p, in, &ax, &ay);
    (void)out;
    return rc == TSF_OK ? tsf_rs_region(&ax, &ay, out_rect, in_rect) : rc;
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_rs_axis ax, ay;
    int32_t rc = resize_axes(c->p, &c->src, &ax, &ay);
    return rc == TSF_OK ? tsf_rs_process(c, &ax, &ay) : rc;
}
