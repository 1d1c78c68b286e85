/*
 * sharpen.c - the sharpen filter: unsharp mask on the integer Gaussian.
 *
 * With blur b the Gaussian of tsf_kernels.h kept at 8.8 precision,
 * b = (acc + 2^15) >> 16, d = 256 v - b, A = round(256 amount) and
 * T = round(threshold):
 *     out = v                                          where |d| < 256 T
 *     out = clamp(v + floor((A d + 2^15) / 2^16))      elsewhere
 * i.e. out = v + amount (v - blur), rounded, on colour channels; alpha is
 * kept.  The halo is the Gaussian's radius.
 */
#include "tsf_kernels.h"

#define PARAMS(X)                                                                \
    X(amount, 0.6, 0, 5, "strength: out = in + amount * (in - blurred)")        \
    X(sigma, 1.0, 0.1, 10, "standard deviation of the blur in pixels")           \
    X(threshold, 0, 0, 255, "leave samples alone where |in - blurred| < threshold")

TSF_FILTER("sharpen",
           "Unsharp mask: in + amount * (in - gaussian(in)) where the difference reaches "
           "threshold; alpha unchanged",
           "neighborhood", "[1,2,3,4]", PARAMS);

static int32_t filter_halo(const float *p)
{
    return (int32_t)tsf_gauss_radius(p[P_sigma]);
}

/* sharp_row - one output row from its blurred sums; alpha is fixed up later. */
static inline void sharp_row(const uint16_t *t, size_t stride, const uint32_t *w, uint32_t r,
                             const uint8_t *v, uint8_t *d, uint32_t n, int32_t a, int32_t lim)
{
    for (uint32_t j = 0; j < n; j++) {
        int32_t blur = (int32_t)((tsf_gauss_col(t + j, stride, w, r) + (1u << 15)) >> 16);
        int32_t diff = ((int32_t)v[j] << 8) - blur;
        int32_t big = diff >= lim || diff <= -lim;
        int32_t out = v[j] + tsf_rshift_round(a * diff, 16);
        d[j] = big ? tsf_clamp_u8(out) : v[j];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t w[2 * TSF_GAUSS_MAX_RADIUS + 1], r = c->halo, n = c->out_w * c->ch;
    int32_t a = tsf_round_i(256.0f * c->p[P_amount]);
    int32_t lim = 256 * tsf_round_i(c->p[P_threshold]);
    uint16_t *t = tsf_alloc_ptr((uint64_t)c->in_h * n * sizeof *t);
    if (!t)
        return TSF_ENOMEM;
    tsf_gauss_kernel(c->p[P_sigma], r, w);
    tsf_gauss_rows(c, r, w, t);
    for (uint32_t y = 0; y < c->out_h; y++)
        sharp_row(t + (size_t)y * n, n, w, r, tsf_in_core(c, y), c->out + (size_t)y * n, n,
                  a, lim);
    tsf_copy_alpha(c);
    return TSF_OK;
}
