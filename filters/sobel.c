/*
 * sobel.c - the sobel filter: edge strength of the luma, halo 1.
 *
 * Luma L is the sample itself for gray and tsf_luma601 for colour.  With
 * the 3x3 Sobel operators
 *     gx = (L[-1,+1] + 2 L[0,+1] + L[+1,+1]) - (L[-1,-1] + 2 L[0,-1] + L[+1,-1])
 *     gy = (L[+1,-1] + 2 L[+1,0] + L[+1,+1]) - (L[-1,-1] + 2 L[-1,0] + L[-1,+1])
 * ([row, column] offsets) the output is min(255, round(sqrt(gx^2 + gy^2))),
 * computed as (int)(sqrtf(s) + 0.5f): s < 2^24 is exact in float and
 * sqrtf is correctly rounded, so this is the exact rounded root.  It goes
 * to every colour channel; alpha is kept.
 */
#include "tsf.h"

TSF_FILTER("sobel",
           "Sobel gradient magnitude of Rec.601 luma, min(255, round(sqrt(gx^2+gy^2))), "
           "written to every colour channel; alpha unchanged",
           "neighborhood", "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_halo(const float *p)
{
    (void)p;
    return 1;
}

/* luma_plane - the luma of every input pixel, in_w * in_h bytes. */
static void luma_plane(const struct tsf_call *c, uint8_t *l)
{
    const uint8_t *s = c->in;
    uint32_t n = c->in_w * c->in_h, ch = c->ch;
    if (ch < 3) {
        for (uint32_t i = 0; i < n; i++)
            l[i] = s[i * ch];
        return;
    }
    for (uint32_t i = 0; i < n; i++, s += ch)
        l[i] = (uint8_t)tsf_luma601(s[0], s[1], s[2]);
}

/* magnitude - the Sobel magnitude at the pixel below-right of a[0] (rows a, b, c). */
static inline uint32_t magnitude(const uint8_t *a, const uint8_t *b, const uint8_t *c)
{
    int32_t gx = (a[2] + 2 * b[2] + c[2]) - (a[0] + 2 * b[0] + c[0]);
    int32_t gy = (c[0] + 2 * c[1] + c[2]) - (a[0] + 2 * a[1] + a[2]);
    uint32_t m = (uint32_t)(int32_t)(tsf_sqrtf((float)(gx * gx + gy * gy)) + 0.5f);
    return m > 255 ? 255 : m;
}

/* sobel_row - one output row of ch (a constant after inlining) channels. */
static inline void sobel_row(const uint8_t *a, uint32_t stride, uint8_t *d, uint32_t w,
                             uint32_t ch)
{
    uint32_t colours = tsf_has_alpha(ch) ? ch - 1 : ch;
    for (uint32_t x = 0; x < w; x++, d += ch) {
        uint8_t m = (uint8_t)magnitude(a + x, a + x + stride, a + x + 2 * stride);
        for (uint32_t k = 0; k < colours; k++)
            d[k] = m;
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint8_t *l = tsf_alloc_ptr((uint64_t)c->in_w * c->in_h);
    if (!l)
        return TSF_ENOMEM;
    luma_plane(c, l);
    for (uint32_t y = 0; y < c->out_h; y++) {
        const uint8_t *a = l + (size_t)y * c->in_w;
        uint8_t *d = c->out + (size_t)y * c->out_w * c->ch;
        switch (c->ch) {
        case 1: sobel_row(a, c->in_w, d, c->out_w, 1); break;
        case 2: sobel_row(a, c->in_w, d, c->out_w, 2); break;
        case 3: sobel_row(a, c->in_w, d, c->out_w, 3); break;
        default: sobel_row(a, c->in_w, d, c->out_w, 4); break;
        }
    }
    tsf_copy_alpha(c);
    return TSF_OK;
}
