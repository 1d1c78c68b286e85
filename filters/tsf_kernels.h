/*
 * tsf_kernels.h - the Gaussian kernel shared by gaussian_blur and sharpen.
 *
 * The kernel is computed in float with tsf_expf and then turned into
 * integer weights w[0..2r] (symmetric, 16-bit fixed point) that sum to
 * exactly TSF_GAUSS_ONE, so that the convolution itself is integer and
 * exact, and therefore the same in every build and at every position.
 *
 *   radius   r = ceil(3 sigma)
 *   weights  g_i = tsf_expf(-i*i / (2 sigma^2)), i = 0..r;
 *            S = g_0 + 2 g_1 + ... + 2 g_r (in that order);
 *            f_i = g_i * (65536 / S), w[r+i] = w[r-i] = floor(f_i); the D
 *            units still missing from 65536 go, two at a time, to the
 *            pairs with the largest remainders f_i - floor(f_i) (smaller i
 *            first on ties), and the centre w[r] takes the last odd one.
 *            Every tap is within one unit of f_i and the kernel stays
 *            symmetric and never rises away from the centre.
 *   rows     every one of the in_h input rows is filtered horizontally into
 *            8.8 fixed point: t = (sum w[k] * v + 128) >> 8, 0..65280
 *            (the vertical pass needs the halo rows too);
 *   columns  acc = sum w[k] * t, at most 65280 * 65536 < 2^32; the caller
 *            rounds acc to what it needs, (acc + 2^23) >> 24 for 8 bits.
 * The pairs w[k] = w[2r-k] are folded (one multiply per pair).
 */
#ifndef TSF_KERNELS_H
#define TSF_KERNELS_H

#include "tsf.h"

#define TSF_GAUSS_ONE 65536u
#define TSF_GAUSS_MAX_RADIUS 60 /* sigma 20 */

/* tsf_gauss_radius - the halo a sigma needs: ceil(3 sigma). */
static inline uint32_t tsf_gauss_radius(float sigma)
{
    return (uint32_t)tsf_ceil_i(3.0f * sigma);
}

/*
 * gauss_pick - index i in 1..r of the largest remainder not yet taken
 * (taken[i] == 0), the smaller index on ties.
 */
static inline uint32_t tsf__gauss_pick(const float *rem, const uint8_t *taken, uint32_t r)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i <= r; i++)
        if (!taken[i] && (best == 0 || rem[i] > rem[best]))
            best = i;
    return best;
}

/* tsf_gauss_kernel - fill w[0..2r] (r <= TSF_GAUSS_MAX_RADIUS), summing to TSF_GAUSS_ONE. */
static inline void tsf_gauss_kernel(float sigma, uint32_t r, uint32_t *w)
{
    float g[TSF_GAUSS_MAX_RADIUS + 1], rem[TSF_GAUSS_MAX_RADIUS + 1];
    uint8_t taken[TSF_GAUSS_MAX_RADIUS + 1];
    float s2 = 2.0f * sigma * sigma, sum;
    for (uint32_t i = 0; i <= r; i++)
        g[i] = tsf_expf(-(float)(i * i) / s2);
    sum = g[0];
    for (uint32_t i = 1; i <= r; i++)
        sum += 2.0f * g[i];
    float scale = (float)TSF_GAUSS_ONE / sum;
    int64_t left = TSF_GAUSS_ONE;
    for (uint32_t i = 0; i <= r; i++) {
        float f = g[i] * scale;
        int32_t fl = tsf_floor_i(f);
        rem[i] = f - (float)fl;
        taken[i] = 0;
        w[r - i] = w[r + i] = (uint32_t)fl;
        left -= i ? 2 * fl : fl;
    }
    for (; left >= 2; left -= 2) {
        uint32_t i = tsf__gauss_pick(rem, taken, r);
        if (i == 0)
            break;
        taken[i] = 1;
        w[r - i]++;
        w[r + i]++;
    }
    w[r] = (uint32_t)((int64_t)w[r] + left);
}

/* tsf_gauss_rows - horizontal pass of all in_h rows into t (in_h rows of out_w*ch). */
static inline void tsf_gauss_rows(const struct tsf_call *c, uint32_t r, const uint32_t *w,
                                  uint16_t *t)
{
    uint32_t ch = c->ch, n = c->out_w * ch, wc = w[r];
    for (uint32_t y = 0; y < c->in_h; y++) {
        const uint8_t *row = c->in + (size_t)y * c->in_w * ch;
        uint16_t *dst = t + (size_t)y * n;
        for (uint32_t j = 0; j < n; j++) {
            const uint8_t *s = row + j;
            uint32_t acc = wc * s[r * ch];
            for (uint32_t k = 0; k < r; k++)
                acc += w[k] * (uint32_t)(s[k * ch] + s[(2 * r - k) * ch]);
            dst[j] = (uint16_t)((acc + 128) >> 8);
        }
    }
}

/* tsf_gauss_col - vertical sum for the column starting at s, rows `stride` apart. */
static inline uint32_t tsf_gauss_col(const uint16_t *s, size_t stride, const uint32_t *w,
                                     uint32_t r)
{
    uint32_t acc = w[r] * s[r * stride];
    for (uint32_t k = 0; k < r; k++)
        acc += w[k] * (uint32_t)(s[k * stride] + s[(2 * r - k) * stride]);
    return acc;
}

#endif
