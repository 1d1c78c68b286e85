/*
 * brightness_contrast.c - the brightness_contrast filter, one lookup table.
 *
 * With B = round(brightness) and F = round((100 + contrast) * 256 / 100)
 * (contrast -100 gives F = 0, a flat gray; +100 doubles the slope):
 *     out = clamp(floor((F * (v - 128) + 128) / 256) + 128 + B, 0, 255)
 * Contrast pivots on 128, brightness is added after.  Alpha is kept.
 */
#include "tsf_kernels.h"

#define PARAMS(X)                                                        \
    X(brightness, 0, -255, 255, "added to every colour sample")          \
    X(contrast, 0, -100, 100, "percent change of contrast around 128")

TSF_POINT_FILTER("brightness_contrast",
                 "out = (v - 128) * (100 + contrast) / 100 + 128 + brightness, clamped; "
                 "alpha unchanged",
                 "[1,2,3,4]", PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    uint8_t lut[256];
    int32_t b = tsf_round_i(c->p[P_brightness]);
    int32_t f = tsf_round_i((100.0f + c->p[P_contrast]) * 256.0f / 100.0f);
    for (int32_t v = 0; v < 256; v++)
        lut[v] = tsf_clamp_u8(tsf_rshift_round(f * (v - 128), 8) + 128 + b);
    TSF_TABLE struct tsf_lut32 t;
    tsf_lut32_init(&t, lut, c->ch);
    tsf_lut32_apply(&t, c);
    return TSF_OK;
}
