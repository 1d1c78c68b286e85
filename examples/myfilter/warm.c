/*
 * warm.c - an example point filter built outside the tilespool tree:
 * shifts colour towards red (amount > 0) or blue (amount < 0).
 *
 * Red gains round(amount), blue loses it, both clamped to 0..255; green
 * and alpha are kept, gray images (1 or 2 channels) are refused by the
 * channel list.  A point filter sees each pixel alone, so any tiling
 * gives the same result.
 */
#include "tsf.h"

#define PARAMS(X) X(amount, 20, -255, 255, "added to red and taken from blue")

TSF_POINT_FILTER("warm", "Shift colour towards red (amount > 0) or blue (amount < 0)",
                 "[3,4]", PARAMS);

static int32_t filter_process(const struct tsf_call *c)
{
    int32_t a = tsf_round_i(c->p[P_amount]);
    uint32_t n = c->out_w * c->out_h;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = c->in + (size_t)i * c->ch;
        uint8_t *d = c->out + (size_t)i * c->ch;
        d[0] = tsf_clamp_u8(s[0] + a);
        d[1] = s[1];
        d[2] = tsf_clamp_u8(s[2] - a);
        if (c->ch == 4)
            d[3] = s[3];
    }
    return TSF_OK;
}
