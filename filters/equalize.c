/*
 * equalize.c - the equalize filter: histogram equalisation over the whole
 * image (a global filter: statistics from every tile, filters/ABI.md).
 *
 * For a channel with histogram h over N pixels, cumulative count C(v) and
 * C0 = C at the smallest value present, value v becomes
 *     round((C(v) - C0) * 255 / (N - C0)),  halves up, in integers;
 * an image with a single value in a channel keeps it.  mode=0 equalises
 * each colour channel on its own histogram.  mode=1 equalises the luma
 * Y = (77 R + 150 G + 29 B + 128) >> 8 and adds the change of luma to
 * each colour sample: v' = clamp(v + Y' - Y), which keeps the hue's
 * channel differences.  Gray images are the same in both modes.  Alpha
 * is neither counted nor changed.
 */
#include "tsf.h"

#define PARAMS(X) X(mode, 0, 0, 1, "0 each colour channel, 1 luminance only (rounded)")
TSF_GLOBAL_FILTER("equalize",
                  "Histogram equalisation over the whole image, per channel or luminance; "
                  "alpha unchanged",
                  "[1,2,3,4]", PARAMS, TSF_HIST4);

TSF_HIST4_ANALYZE

/* equalize_lut - the equalisation table of one histogram slot. */
static void equalize_lut(const uint64_t *h, uint8_t lut[256])
{
    uint64_t n = tsf_hist_total(h), c0 = 0, cum = 0;
    uint32_t first = 0;
    while (first < 256 && h[first] == 0)
        first++;
    if (first < 256)
        c0 = h[first];
    for (uint32_t v = 0; v < 256; v++) {
        cum += h[v];
        if (n == c0) {
            lut[v] = (uint8_t)v;
            continue;
        }
        uint64_t above = cum > c0 ? cum - c0 : 0, span = n - c0;
        lut[v] = (uint8_t)((above * 255 + span / 2) / span);
    }
}

/* equalize_luma - mode 1 on colour images: shift each pixel by its luma's change. */
static void equalize_luma(const struct tsf_call *c, const uint8_t lut[256])
{
    uint32_t ch = c->ch;
    size_t n = (size_t)c->out_w * c->out_h;
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    for (size_t i = 0; i < n; i++, s += ch, d += ch) {
        uint32_t y = tsf_luma601(s[0], s[1], s[2]);
        int32_t delta = (int32_t)lut[y] - (int32_t)y;
        d[0] = tsf_clamp_u8(s[0] + delta);
        d[1] = tsf_clamp_u8(s[1] + delta);
        d[2] = tsf_clamp_u8(s[2] + delta);
        if (ch == 4)
            d[3] = s[3];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    const struct tsf_stats *s = c->stats;
    uint8_t lut[3][256];
    if (c->ch >= 3 && tsf_round_i(c->p[P_mode]) == 1) {
        equalize_lut(s->hist + 256 * TSF_HIST_LUMA, lut[0]);
        equalize_luma(c, lut[0]);
        return TSF_OK;
    }
    for (uint32_t k = 0; k < 3; k++)
        equalize_lut(tsf_hist_slot(s->hist, c->ch, k), lut[k]);
    tsf_apply_luts(c, (const uint8_t(*)[256])lut);
    return TSF_OK;
}
