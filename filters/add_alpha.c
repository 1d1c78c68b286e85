/*
 * add_alpha.c - the add_alpha filter: an alpha channel for an image
 * without one.
 *
 * Gray becomes gray + alpha and RGB becomes RGBA; every alpha sample is
 * A = round(value), times 257 for 16-bit samples, so the default 255 is
 * opaque at either depth.  Colour samples are copied.  An image that has
 * alpha already is copied unchanged, its alpha included.
 */
#include "tsf.h"

#define PARAMS(X) \
    X(value, 255, 0, 255, "alpha of every pixel, 0 transparent to 255 opaque (rounded)")

TSF_CHANNEL_FILTER("add_alpha",
                   "Add an alpha channel of one value (opaque by default): gray to "
                   "gray+alpha, RGB to RGBA; input with alpha unchanged",
                   "point", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES)
{
    (void)p;
    return 0;
}

/* filter_channels - one more channel unless the last one is alpha already. */
static int32_t filter_channels(const float *p, uint32_t in_ch)
{
    (void)p;
    return (int32_t)(tsf_has_alpha(in_ch) ? in_ch : in_ch + 1);
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t ch = c->ch, a = (uint32_t)tsf_round_i(c->p[P_value]);
    size_t n = (size_t)c->out_w * c->out_h;
    if (c->out_ch == ch) {
        memcpy(c->out, c->in, n * ch * (c->depth / 8));
        return TSF_OK;
    }
    if (c->depth == 16) {
        const uint16_t *s = tsf_in16(c);
        uint16_t *d = tsf_out16(c);
        for (size_t i = 0; i < n; i++, s += ch, d += ch + 1) {
            for (uint32_t k = 0; k < ch; k++)
                d[k] = s[k];
            d[ch] = (uint16_t)(257 * a);
        }
        return TSF_OK;
    }
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    for (size_t i = 0; i < n; i++, s += ch, d += ch + 1) {
        for (uint32_t k = 0; k < ch; k++)
            d[k] = s[k];
        d[ch] = (uint8_t)a;
    }
    return TSF_OK;
}
