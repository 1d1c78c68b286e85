/*
 * grayscale.c - the grayscale filter: RGB to luma, as gray or kept as RGB.
 *
 * Y = (wr*R + wg*G + wb*B + 128) >> 8 with integer weights summing to 256:
 * Rec.601 (77, 150, 29) or Rec.709 (54, 183, 19; the 709 weights rounded
 * to nearest give 255, so the largest remainder, blue, gets the last unit).
 * The same formula serves 16-bit samples (Y then lies in 0..65535).
 * By default the output is gray: RGB becomes 1 channel, RGBA 2 (Y and the
 * alpha); keep_channels=1 keeps 3 or 4 channels with R = G = B = Y.  Alpha
 * is kept; gray input is already gray and is copied.  `standard` must be
 * 601 or 709 exactly.
 */
#include "tsf.h"

#define PARAMS(X)                                                                  \
    X(standard, 601, 601, 709, "luma weights: 601 (Rec.601) or 709 (Rec.709)")     \
    X(keep_channels, 0, 0, 1, "1 keeps RGB(A) with R = G = B = luma, 0 writes gray (rounded)")

TSF_CHANNEL_FILTER("grayscale",
                   "Integer Rec.601 or Rec.709 luma: RGB to gray, RGBA to gray+alpha (or "
                   "R = G = B with keep_channels=1); alpha unchanged, gray input unchanged",
                   "point", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

/* filter_halo - a point filter; any standard but 601 and 709 is refused
 * here, so the host rejects it while planning the job, not on every tile. */
static int32_t filter_halo(const float *p)
{
    return p[P_standard] == 601.0f || p[P_standard] == 709.0f ? 0 : -1;
}

/* filter_channels - gray (1 or 2 channels) unless keep_channels; -1 as filter_halo. */
static int32_t filter_channels(const float *p, uint32_t in_ch)
{
    if (filter_halo(p) < 0)
        return -1;
    if (tsf_round_i(p[P_keep_channels]) != 0 || in_ch <= 2)
        return (int32_t)in_ch;
    return (int32_t)in_ch - 2;
}

/*
 * gray_pixels - n pixels of ch (3 or 4, a constant after inlining) channels,
 * one 4-byte load and store per pixel.  With 3 channels the store's fourth
 * byte lands on the next pixel, which is written after it, so the last
 * pixel is done a byte at a time.
 */
static inline void gray_pixels(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch,
                               const uint32_t *weights)
{
    /* copied: the compiler must assume the stores below may change *weights */
    uint32_t w[3] = {weights[0], weights[1], weights[2]};
    uint32_t alpha = ch == 4 ? 0xff000000u : 0, last = ch == 4 ? n : n - 1, i = 0;
    /* RGBA: two pixels per 8-byte load and store; each access saved is
     * worth more under wasm2c (address arithmetic, memory base reload) */
    for (; ch == 4 && i + 2 <= n; i += 2, s += 8, d += 8) {
        uint64_t v = tsf_load_u64(s);
        uint64_t y0 = (w[0] * (v & 0xff) + w[1] * ((v >> 8) & 0xff) + w[2] * ((v >> 16) & 0xff) +
                       128) >> 8;
        uint64_t y1 = (w[0] * ((v >> 32) & 0xff) + w[1] * ((v >> 40) & 0xff) +
                       w[2] * ((v >> 48) & 0xff) + 128) >> 8;
        tsf_store_u64(d, (y0 | y1 << 32) * 0x010101u | (v & 0xff000000ff000000ull));
    }
    for (; i < last; i++, s += ch, d += ch) {
        uint32_t v = tsf_load_u32(s);
        uint32_t y = (w[0] * (v & 0xff) + w[1] * ((v >> 8) & 0xff) + w[2] * ((v >> 16) & 0xff) +
                      128) >> 8;
        tsf_store_u32(d, y * 0x010101u | (v & alpha));
    }
    if (i < n) {
        uint8_t y = (uint8_t)((w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + 128) >> 8);
        d[0] = d[1] = d[2] = y;
    }
}

/* gray_out8 - n 8-bit pixels of ch (3 or 4) channels to Y (and alpha). */
static inline void gray_out8(const uint8_t *s, uint8_t *d, uint32_t n, uint32_t ch,
                             const uint32_t *weights)
{
    uint32_t w[3] = {weights[0], weights[1], weights[2]};
    for (uint32_t i = 0; i < n; i++, s += ch) {
        *d++ = (uint8_t)((w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + 128) >> 8);
        if (ch == 4)
            *d++ = s[3];
    }
}

/* gray16 - n 16-bit pixels of ch (3 or 4) channels to out_ch: Y repeated, alpha kept. */
static void gray16(const uint16_t *s, uint16_t *d, uint32_t n, uint32_t ch, uint32_t out_ch,
                   const uint32_t *w)
{
    uint32_t colours = tsf_has_alpha(out_ch) ? out_ch - 1 : out_ch;
    for (uint32_t i = 0; i < n; i++, s += ch, d += out_ch) {
        uint32_t y = (w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + 128) >> 8;
        for (uint32_t k = 0; k < colours; k++)
            d[k] = (uint16_t)y;
        if (colours < out_ch)
            d[colours] = s[ch - 1];
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
    if (c->ch <= 2)
        memcpy(c->out, c->in, (size_t)n * c->ch * (c->depth / 8));
    else if (c->depth == 16)
        gray16(tsf_in16(c), tsf_out16(c), n, c->ch, c->out_ch, w);
    else if (c->out_ch == 1)
        gray_out8(c->in, c->out, n, 3, w);
    else if (c->out_ch == 2)
        gray_out8(c->in, c->out, n, 4, w);
    else if (c->ch == 3)
        gray_pixels(c->in, c->out, n, 3, w);
    else
        gray_pixels(c->in, c->out, n, 4, w);
    return TSF_OK;
}
