/*
 * histogram_match.c - the histogram_match filter: give each colour
 * channel of the image the distribution of the reference image's (a
 * global filter with a reference, filters/ABI.md).
 *
 * With image histogram h over N pixels and reference histogram r over M
 * pixels (cumulative counts C and R), value v becomes the least u whose
 * reference CDF reaches the image's CDF at v:
 *     v' = min { u : R(u) / M >= C(v) / N },  compared exactly as
 *     R(u) * N >= C(v) * M in 64-bit integers (images below 2^32 pixels).
 * An RGB image matches R, G, B to the reference's R, G, B (a gray
 * reference: its gray for all three); a gray image matches its gray to
 * the reference's luma (77 R + 150 G + 29 B + 128) >> 8.  Matching an
 * image to itself changes nothing.  Alpha is neither counted nor changed.
 */
#include "tsf.h"

TSF_GLOBAL_FILTER_REF("histogram_match",
                      "Match each colour channel's histogram to a reference image's; "
                      "alpha unchanged",
                      "[1,2,3,4]", TSF_NO_PARAMS, TSF_HIST4, reference,
                      "image whose histogram to match (PNG, JPEG or netpbm)");

TSF_HIST4_ANALYZE

/* match_lut - the mapping from histogram h to reference histogram r;
 * 0, or TSF_EBADARG when a count is too large for exact comparison. */
static int32_t match_lut(const uint64_t *h, const uint64_t *r, uint8_t lut[256])
{
    uint64_t n = tsf_hist_total(h), m = tsf_hist_total(r);
    if (n == 0 || m == 0 || n >> 32 || m >> 32)
        return TSF_EBADARG;
    uint64_t cum = 0, rcum = r[0];
    uint32_t u = 0;
    for (uint32_t v = 0; v < 256; v++) {
        cum += h[v];
        /* C(v) grows with v, so the least u does too */
        while (u < 255 && rcum * n < cum * m)
            rcum += r[++u];
        lut[v] = (uint8_t)u;
    }
    return TSF_OK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    const struct tsf_stats *s = c->stats, *ref = c->ref;
    uint8_t lut[3][256];
    if (!ref)
        return TSF_EPARAM;      /* no reference: nothing to match */
    for (uint32_t k = 0; k < 3; k++) {
        const uint64_t *rs = c->ch <= 2 ? ref->hist + 256 * TSF_HIST_LUMA : ref->hist + 256 * k;
        int32_t rc = match_lut(tsf_hist_slot(s->hist, c->ch, k), rs, lut[k]);
        if (rc != TSF_OK)
            return rc;
    }
    tsf_apply_luts(c, (const uint8_t(*)[256])lut);
    return TSF_OK;
}
