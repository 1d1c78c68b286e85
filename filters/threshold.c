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

/*
 * rgb_pixels - n pixels of ch (3 or 4, a constant after inlining) channels,
 * one 4-byte load and store per pixel.  With 3 channels the store's fourth
 * byte lands on the next pixel, which is written after it, so the last
 * pixel is done a byte at a time.
 */
static inline void rgb_pixels(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch,
                              uint32_t level)
{
    uint32_t alpha = ch == 4 ? 0xff000000u : 0, last = ch == 4 ? n : n - 1, i = 0;
    for (; i < last; i++, s += ch, d += ch) {
        uint32_t v = tsf_load_u32(s);
        uint32_t y = tsf_luma601(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff);
        tsf_store_u32(d, (y >= level ? 0xffffffu : 0) | (v & alpha));
    }
    if (i < n)
        d[0] = d[1] = d[2] = tsf_luma601(s[0], s[1], s[2]) >= level ? 255 : 0;
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
