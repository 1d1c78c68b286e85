/*
 * gaussian_blur.c - the gaussian_blur filter: separable integer Gaussian.
 *
 * Radius ceil(3 sigma), weights and rounding as in tsf_kernels.h; the
 * result is (acc + 2^22) >> 23.  16-bit samples go through the wider
 * integer passes of tsf_gauss16 (tsf_kernels.h), whose result is
 * (acc + 2^23) >> 24.  Every channel is blurred, alpha too (on straight
 * alpha, as stored).
 */
#include "tsf_kernels.h"

#define PARAMS(X) X(sigma, 1.5, 0.1, 20, "standard deviation in pixels; radius ceil(3 sigma)")

TSF_FILTER2("gaussian_blur",
            "Gaussian blur, separable, integer weights summing to 65536; all channels "
            "including alpha",
            "neighborhood", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

static int32_t filter_halo(const float *p)
{
    return (int32_t)tsf_gauss_radius(p[P_sigma]);
}

/* blur16 - the 16-bit tile. */
static int32_t blur16(const struct tsf_call *c)
{
    struct tsf_gauss16 g;
    int32_t rc = tsf_gauss16_init(&g, c, c->p[P_sigma]);
    if (rc != TSF_OK)
        return rc;
    for (uint32_t y = 0; y < c->out_h; y++)
        tsf_gauss16_out(&g, y, tsf_out16(c) + (size_t)y * g.n);
    return TSF_OK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    if (c->depth == 16)
        return blur16(c);
    struct tsf_gauss g;
    int32_t rc = tsf_gauss_init(&g, c, c->p[P_sigma]);
    if (rc != TSF_OK)
        return rc;
    for (uint32_t y = 0; y < c->out_h; y++)
        tsf_gauss_out8(&g, tsf_gauss_window(&g, y), c->out + (size_t)y * g.n);
    return TSF_OK;
}
