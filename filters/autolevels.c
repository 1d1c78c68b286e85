/*
 * autolevels.c - the autolevels filter: stretch each colour channel so
 * that its low and high percentiles over the whole image become 0 and
 * 255 (a global filter: statistics from every tile, filters/ABI.md).
 *
 * With N pixels, cumulative count C(v), L = floor(N * low / 100) and
 * H = floor(N * high / 100) (percentages rounded to 1/1000 first, then
 * integer arithmetic): lo = the least v with C(v) > L, hi = the least v
 * with C(v) >= N - H.  Then v' = 0 for v <= lo, 255 for v >= hi, else
 * round((v - lo) * 255 / (hi - lo)), halves up.  A channel with
 * hi <= lo is left as it is.  Alpha is neither counted nor changed.
 */
#include "tsf.h"

#define PARAMS(X)                                                         \
    X(low, 0.5, 0, 50, "percent of pixels clipped to 0 in each channel")  \
    X(high, 0.5, 0, 50, "percent of pixels clipped to 255 in each channel")
TSF_GLOBAL_FILTER("autolevels",
                  "Stretch each colour channel between its low and high percentiles; "
                  "alpha unchanged",
                  "[1,2,3,4]", PARAMS, TSF_HIST4);

TSF_HIST4_ANALYZE

/* clip_count - floor(n * pct / 100), pct rounded to 1/1000 percent. */
static uint64_t clip_count(uint64_t n, float pct)
{
    uint64_t milli = (uint64_t)tsf_round_i(pct * 1000.0f);
    return n / 100000 * milli + n % 100000 * milli / 100000;
}

/* levels_lut - the stretch table of one histogram slot. */
static void levels_lut(const uint64_t *h, float low, float high, uint8_t lut[256])
{
    uint64_t n = tsf_hist_total(h), lo_n = clip_count(n, low), hi_n = n - clip_count(n, high);
    uint64_t cum = 0;
    int32_t lo = -1, hi = -1;
    for (int32_t v = 0; v < 256; v++) {
        cum += h[v];
        if (lo < 0 && cum > lo_n)
            lo = v;
        if (hi < 0 && cum >= hi_n)
            hi = v;
    }
    for (int32_t v = 0; v < 256; v++) {
        if (lo < 0 || hi <= lo)
            lut[v] = (uint8_t)v;
        else
            lut[v] = v <= lo ? 0 : v >= hi ? 255
                     : (uint8_t)(((v - lo) * 255 + (hi - lo) / 2) / (hi - lo));
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    const struct tsf_stats *s = c->stats;
    uint8_t lut[3][256];
    for (uint32_t k = 0; k < 3; k++)
        levels_lut(tsf_hist_slot(s->hist, c->ch, k), c->p[P_low], c->p[P_high], lut[k]);
    tsf_apply_luts(c, (const uint8_t(*)[256])lut);
    return TSF_OK;
}
