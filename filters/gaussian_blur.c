/*
 * gaussian_blur.c - the gaussian_blur filter: separable integer Gaussian.
 *
 * Radius ceil(3 sigma), weights and rounding as in tsf_kernels.h; the
 * result is (acc + 2^23) >> 24.  Every channel is blurred, alpha too (on
 * straight alpha, as stored).
 */
#include "tsf_kernels.h"

#define PARAMS(X) X(sigma, 1.5, 0.1, 20, "standard deviation in pixels; radius ceil(3 sigma)")

TSF_FILTER("gaussian_blur",
           "Gaussian blur, separable, integer weights summing to 65536; all channels "
           "including alpha",
           "neighborhood", "[1,2,3,4]", PARAMS);

static int32_t filter_halo(const float *p)
{
    return (int32_t)tsf_gauss_radius(p[P_sigma]);
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t w[2 * TSF_GAUSS_MAX_RADIUS + 1], r = c->halo, n = c->out_w * c->ch;
    uint16_t *t = tsf_alloc_ptr((uint64_t)c->in_h * n * sizeof *t);
    if (!t)
        return TSF_ENOMEM;
    tsf_gauss_kernel(c->p[P_sigma], r, w);
    tsf_gauss_rows(c, r, w, t);
    for (uint32_t y = 0; y < c->out_h; y++) {
        const uint16_t *s = t + (size_t)y * n;
        uint8_t *d = c->out + (size_t)y * n;
        for (uint32_t j = 0; j < n; j++)
            d[j] = (uint8_t)((tsf_gauss_col(s + j, n, w, r) + (1u << 23)) >> 24);
    }
    return TSF_OK;
}
