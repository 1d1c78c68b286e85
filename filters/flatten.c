/*
 * flatten.c - the flatten filter: alpha removed by compositing over a
 * gray background.
 *
 * With a the pixel's alpha, M the largest sample (255, or 65535 for
 * 16-bit samples) and B = round(background) (times 257 for 16-bit), every
 * colour sample v becomes
 *     out = floor((v a + B (M - a) + (M - 1) / 2) / M)
 * the composite rounded to nearest (M is odd, so there are no ties).
 * Gray + alpha becomes gray, RGBA becomes RGB.  The default background is
 * black.  An image without alpha is copied unchanged.
 */
#include "tsf.h"

#define PARAMS(X) \
    X(background, 0, 0, 255, "gray level shown through transparent pixels (rounded)")

TSF_CHANNEL_FILTER("flatten",
                   "Remove alpha, compositing over a gray background (black by default); "
                   "input without alpha unchanged",
                   "point", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES)
{
    (void)p;
    return 0;
}

/* filter_channels - the alpha channel dropped, if there is one. */
static int32_t filter_channels(const float *p, uint32_t in_ch)
{
    (void)p;
    return (int32_t)(tsf_has_alpha(in_ch) ? in_ch - 1 : in_ch);
}

/* over - v with alpha a over background b, all at most m. */
static inline uint32_t over(uint32_t v, uint32_t a, uint32_t b, uint32_t m)
{
    return (uint32_t)(((uint64_t)v * a + (uint64_t)b * (m - a) + (m - 1) / 2) / m);
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t ch = c->ch, colours = ch - 1, m = tsf_sample_max(c->depth);
    uint32_t b = (uint32_t)tsf_round_i(c->p[P_background]) * (m / 255);
    size_t n = (size_t)c->out_w * c->out_h;
    if (c->out_ch == ch) {
        memcpy(c->out, c->in, n * ch * (c->depth / 8));
        return TSF_OK;
    }
    if (c->depth == 16) {
        const uint16_t *s = tsf_in16(c);
        uint16_t *d = tsf_out16(c);
        for (size_t i = 0; i < n; i++, s += ch, d += colours)
            for (uint32_t k = 0; k < colours; k++)
                d[k] = (uint16_t)over(s[k], s[colours], b, m);
        return TSF_OK;
    }
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    for (size_t i = 0; i < n; i++, s += ch, d += colours)
        for (uint32_t k = 0; k < colours; k++)
            d[k] = (uint8_t)over(s[k], s[colours], b, m);
    return TSF_OK;
}
