/*
 * sharpen.c - the sharpen filter: unsharp mask on the integer Gaussian.
 *
 * With blur b the Gaussian of tsf_kernels.h kept at 8.8 precision,
 * b = (acc + 2^14) >> 15, d = 256 v - b, A = round(256 amount) and
 * T = round(threshold):
 *     out = v                                          where |d| < 256 T
 *     out = clamp(v + floor((A d + 2^15) / 2^16))      elsewhere
 * i.e. out = v + amount (v - blur), rounded, on colour channels; alpha is
 * kept.  The halo is the Gaussian's radius.  16-bit samples take the 16.8
 * blur of tsf_gauss16, b = (acc + 2^15) >> 16, the same formula in 64-bit
 * integers, clamped to 65535, and a threshold scaled to 16 bits: out = v
 * where |d| < 256 * 257 T.
 */
#include "tsf_kernels.h"

#define PARAMS(X)                                                                \
    X(amount, 0.6, 0, 5, "strength: out = in + amount * (in - blurred)")        \
    X(sigma, 1.0, 0.1, 10, "standard deviation of the blur in pixels")           \
    X(threshold, 0, 0, 255, "leave samples alone where |in - blurred| < threshold")

TSF_FILTER2("sharpen",
            "Unsharp mask: in + amount * (in - gaussian(in)) where the difference reaches "
            "threshold; alpha unchanged",
            "neighborhood", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

static int32_t filter_halo(const float *p)
{
    return (int32_t)tsf_gauss_radius(p[P_sigma]);
}

/* sharp1 - one sample: v + amount (v - blur), rounded and clamped, or v below the threshold. */
static inline uint32_t sharp1(uint32_t v, uint32_t blur, int32_t a, int32_t lim)
{
    int32_t diff = (int32_t)(v << 8) - (int32_t)blur;
    int32_t out = (int32_t)v + tsf_rshift_round(a * diff, 16);
    out = out < 0 ? 0 : out;
    out = out > 255 ? 255 : out;
    return (diff < 0 ? -diff : diff) < lim ? v : (uint32_t)out;
}

/*
 * sharp_row - one output row from the input core row v and its 8.8 blur,
 * four samples per load and store, alpha taken from v.  Inlined twice, so
 * that the default threshold 0 costs nothing.
 */
static inline void sharp_row(const uint8_t *v, const uint16_t *blur, uint8_t *d, uint32_t n,
                      uint32_t ch, int32_t a, int32_t lim)
{
    uint32_t keep = tsf_alpha_mask32(ch), j = 0;
    for (; j + 4 <= n; j += 4) {
        uint32_t s = tsf_load_u32(v + j);
        uint64_t b = tsf_load_u64(blur + j);
        uint32_t o = sharp1(s & 0xff, b & 0xffff, a, lim) |
                     sharp1((s >> 8) & 0xff, (b >> 16) & 0xffff, a, lim) << 8 |
                     sharp1((s >> 16) & 0xff, (b >> 32) & 0xffff, a, lim) << 16 |
                     sharp1(s >> 24, (uint32_t)(b >> 48), a, lim) << 24;
        tsf_store_u32(d + j, (o & ~keep) | (s & keep));
    }
    for (; j < n; j++)
        d[j] = tsf_is_alpha(j, ch) ? v[j] : (uint8_t)sharp1(v[j], blur[j], a, lim);
}

/* sharp16 - sharp1 for a 16-bit sample v and its 16.8 blur. */
static inline uint32_t sharp16(uint32_t v, uint32_t blur, int32_t a, int32_t lim)
{
    int32_t diff = (int32_t)(v << 8) - (int32_t)blur;
    /* floor((a diff + 2^15) / 2^16) for |a diff| < 2^35, shifted while positive */
    int64_t x = (int64_t)a * diff + ((int64_t)1 << 40) + (1 << 15);
    int64_t out = (int64_t)v + (int64_t)((uint64_t)x >> 16) - ((int64_t)1 << 24);
    out = out < 0 ? 0 : out > 65535 ? 65535 : out;
    return (diff < 0 ? -diff : diff) < lim ? v : (uint32_t)out;
}

/* sharpen16 - the 16-bit tile. */
static int32_t sharpen16(const struct tsf_call *c, int32_t a, int32_t lim)
{
    struct tsf_gauss16 g;
    int32_t rc = tsf_gauss16_init(&g, c, c->p[P_sigma]);
    uint32_t *blur = tsf_alloc_ptr((uint64_t)g.n * sizeof *blur);
    if (rc != TSF_OK || !blur)
        return TSF_ENOMEM;
    for (uint32_t y = 0; y < c->out_h; y++) {
        const uint16_t *v = tsf_in_core16(c, y);
        uint16_t *d = tsf_out16(c) + (size_t)y * g.n;
        tsf_gauss16_blur(&g, y, blur);
        for (uint32_t j = 0; j < g.n; j++)
            d[j] = tsf_is_alpha(j, c->ch) ? v[j] : (uint16_t)sharp16(v[j], blur[j], a, lim);
    }
    return TSF_OK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct tsf_gauss g;
    int32_t a = tsf_round_i(256.0f * c->p[P_amount]);
    int32_t lim = 256 * tsf_round_i(c->p[P_threshold]);
    if (c->depth == 16)
        return sharpen16(c, a, 257 * lim);
    int32_t rc = tsf_gauss_init(&g, c, c->p[P_sigma]);
    uint16_t *blur = tsf_alloc_ptr((uint64_t)g.n * sizeof *blur);
    if (rc != TSF_OK || !blur)
        return TSF_ENOMEM;
    for (uint32_t y = 0; y < c->out_h; y++) {
        tsf_gauss_out16(&g, tsf_gauss_window(&g, y), blur);
        uint8_t *d = c->out + (size_t)y * g.n;
        if (lim == 0)
            sharp_row(tsf_in_core(c, y), blur, d, g.n, c->ch, a, 0);
        else
            sharp_row(tsf_in_core(c, y), blur, d, g.n, c->ch, a, lim);
    }
    return TSF_OK;
}
