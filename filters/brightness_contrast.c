/*
 * brightness_contrast.c - the brightness_contrast filter, one lookup table.
 *
 * With B = round(brightness) and F = round((100 + contrast) * 256 / 100)
 * (contrast -100 gives F = 0, a flat gray; +100 doubles the slope):
 *     out = clamp(floor((F * (v - 128) + 128) / 256) + 128 + B, 0, 255)
 * Contrast pivots on 128, brightness is added after.  Alpha is kept.
 * 16-bit samples take the same formula scaled by 257 (255 -> 65535):
 *     out = clamp(floor((F * (v - 32896) + 128) / 256) + 32896 + 257 B, 0, 65535)
 * the same curve on the 16-bit scale (out16(257 v) is within 257 of
 * 257 out8(v): one 8-bit step).
 */
#include "tsf_kernels.h"

#define PARAMS(X)                                                        \
    X(brightness, 0, -255, 255, "added to every colour sample")          \
    X(contrast, 0, -100, 100, "percent change of contrast around 128")

TSF_POINT_FILTER2("brightness_contrast",
                  "out = (v - 128) * (100 + contrast) / 100 + 128 + brightness, clamped "
                  "(scaled by 257 at 16 bits); alpha unchanged",
                  "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

/* bc16 - the 16-bit formula on colour samples, alpha copied. */
static void bc16(const struct tsf_call *c, int32_t f, int32_t b)
{
    const uint16_t *s = tsf_in16(c);
    uint16_t *d = tsf_out16(c);
    uint32_t ch = c->ch, colours = tsf_has_alpha(ch) ? ch - 1 : ch;
    size_t n = (size_t)c->out_w * c->out_h;
    for (size_t i = 0; i < n; i++, s += ch, d += ch) {
        for (uint32_t k = 0; k < colours; k++) {
            int32_t v = tsf_rshift_round(f * ((int32_t)s[k] - 32896), 8) + 32896 + 257 * b;
            d[k] = (uint16_t)(v < 0 ? 0 : v > 65535 ? 65535 : v);
        }
        if (colours < ch)
            d[colours] = s[colours];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint8_t lut[256];
    int32_t b = tsf_round_i(c->p[P_brightness]);
    int32_t f = tsf_round_i((100.0f + c->p[P_contrast]) * 256.0f / 100.0f);
    if (c->depth == 16) {
        bc16(c, f, b);
        return TSF_OK;
    }
    for (int32_t v = 0; v < 256; v++)
        lut[v] = tsf_clamp_u8(tsf_rshift_round(f * (v - 128), 8) + 128 + b);
    TSF_TABLE struct tsf_lut32 t;
    tsf_lut32_init(&t, lut, c->ch);
    tsf_lut32_apply(&t, c);
    return TSF_OK;
}
