/*
 * sepia.c - the sepia filter: the classic sepia matrix in 8.8 fixed point.
 *
 *     R' = (101 R + 197 G +  48 B + 128) >> 8      (0.393 0.769 0.189)
 *     G' = ( 89 R + 176 G +  43 B + 128) >> 8      (0.349 0.686 0.168)
 *     B' = ( 70 R + 137 G +  34 B + 128) >> 8      (0.272 0.534 0.131)
 * each clamped to 255 (the rows sum to more than 1).  Alpha is kept.  Gray
 * input cannot take a tint without changing its channel count, so only 3
 * and 4 channels are accepted.
 */
#include "tsf.h"

TSF_POINT_FILTER("sepia", "Classic sepia tone matrix in integer arithmetic; alpha unchanged",
                 "[3,4]", TSF_NO_PARAMS);

static inline uint8_t sat(uint32_t v)
{
    v = (v + 128) >> 8;
    return (uint8_t)(v > 255 ? 255 : v);
}

/* sepia_pixels - n pixels of ch (3 or 4, a constant after inlining) channels. */
static inline void sepia_pixels(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch)
{
    for (uint32_t i = 0; i < n; i++, s += ch, d += ch) {
        uint32_t r = s[0], g = s[1], b = s[2];
        d[0] = sat(101 * r + 197 * g + 48 * b);
        d[1] = sat(89 * r + 176 * g + 43 * b);
        d[2] = sat(70 * r + 137 * g + 34 * b);
        if (ch == 4)
            d[3] = s[3];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t n = c->out_w * c->out_h;
    if (c->ch == 4)
        sepia_pixels(c->in, c->out, n, 4);
    else
        sepia_pixels(c->in, c->out, n, 3);
    return TSF_OK;
}
