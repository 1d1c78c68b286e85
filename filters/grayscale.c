/*
 * grayscale.c - the grayscale filter: RGB to luma, kept as RGB.
 *
 * Y = (wr*R + wg*G + wb*B + 128) >> 8 with integer weights summing to 256:
 * Rec.601 (77, 150, 29) or Rec.709 (54, 183, 19; the 709 weights rounded
 * to nearest give 255, so the largest remainder, blue, gets the last unit).
 * R = G = B = Y afterwards; alpha is kept; gray input is already gray and
 * is copied.  `standard` must be 601 or 709 exactly.
 */
#include "tsf.h"

#define PARAMS(X) X(standard, 601, 601, 709, "luma weights: 601 (Rec.601) or 709 (Rec.709)")

TSF_POINT_FILTER("grayscale",
                 "Replace R, G and B by integer Rec.601 or Rec.709 luma; alpha unchanged, "
                 "gray input unchanged",
                 "[1,2,3,4]", PARAMS);

/* gray_pixels - n pixels of ch (3 or 4, a constant after inlining) channels. */
static inline void gray_pixels(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch,
                               const uint32_t w[3])
{
    for (uint32_t i = 0; i < n; i++, s += ch, d += ch) {
        uint8_t y = (uint8_t)((w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + 128) >> 8);
        d[0] = y;
        d[1] = y;
        d[2] = y;
        if (ch == 4)
            d[3] = s[3];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    static const uint32_t w601[3] = {77, 150, 29}, w709[3] = {54, 183, 19};
    float standard = c->p[P_standard];
    if (standard != 601.0f && standard != 709.0f)
        return TSF_EPARAM;
    const uint32_t *w = standard == 709.0f ? w709 : w601;
    uint32_t n = c->out_w * c->out_h;
    if (c->ch == 3)
        gray_pixels(c->in, c->out, n, 3, w);
    else if (c->ch == 4)
        gray_pixels(c->in, c->out, n, 4, w);
    else
        memcpy(c->out, c->in, (size_t)n * c->ch);
    return TSF_OK;
}
