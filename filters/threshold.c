/*
 * threshold.c - the threshold filter: black or white by luma.
 *
 * Luma is the Rec.601 integer luma of tsf_luma601 (the sample itself for
 * gray).  Every colour sample becomes 255 where luma >= level and 0
 * elsewhere; a fractional level compares as a real number, i.e. luma >=
 * ceil(level).  Alpha is kept.
 */
#include "tsf.h"

#define PARAMS(X) X(level, 128, 0, 255, "luma at or above which a pixel turns white")

TSF_POINT_FILTER("threshold",
                 "Colour channels become 255 where Rec.601 luma >= level, else 0; "
                 "alpha unchanged",
                 "[1,2,3,4]", PARAMS);

/* rgb_pixels - n pixels of ch (3 or 4, a constant after inlining) channels. */
static inline void rgb_pixels(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch,
                              uint32_t level)
{
    for (uint32_t i = 0; i < n; i++, s += ch, d += ch) {
        uint8_t v = tsf_luma601(s[0], s[1], s[2]) >= level ? 255 : 0;
        d[0] = v;
        d[1] = v;
        d[2] = v;
        if (ch == 4)
            d[3] = s[3];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t level = (uint32_t)tsf_ceil_i(c->p[P_level]), n = c->out_w * c->out_h;
    if (c->ch == 3) {
        rgb_pixels(c->in, c->out, n, 3, level);
    } else if (c->ch == 4) {
        rgb_pixels(c->in, c->out, n, 4, level);
    } else {
        uint8_t lut[256];
        for (uint32_t v = 0; v < 256; v++)
            lut[v] = v >= level ? 255 : 0;
        tsf_apply_lut(c, lut);
    }
    return TSF_OK;
}
