/*
 * sobel.c - the sobel filter: edge strength of the luma, halo 1.
 *
 * Luma L is the sample itself for gray and tsf_luma601 for colour.  With
 * the 3x3 Sobel operators
 *     gx = (L[-1,+1] + 2 L[0,+1] + L[+1,+1]) - (L[-1,-1] + 2 L[0,-1] + L[+1,-1])
 *     gy = (L[+1,-1] + 2 L[+1,0] + L[+1,+1]) - (L[-1,-1] + 2 L[-1,0] + L[-1,+1])
 * ([row, column] offsets) the output is min(255, round(sqrt(gx^2 + gy^2))):
 * the sum is below 2^24, so exact in float, and sqrtf is correctly rounded,
 * so this is the exact rounded root.  It goes to every colour channel;
 * alpha is kept.
 */
#include "tsf.h"

TSF_FILTER("sobel",
           "Sobel gradient magnitude of Rec.601 luma, min(255, round(sqrt(gx^2+gy^2))), "
           "written to every colour channel; alpha unchanged",
           "neighborhood", "[1,2,3,4]", TSF_NO_PARAMS);

static int32_t filter_halo(const float *p)
{
    (void)p;
    return 1;
}

/*
 * luma_row - the luma of w input pixels, ch a constant after inlining.
 * A colour pixel is read with one 4-byte load (under wasm2c one access
 * costs about what three do natively); for RGB that load reaches into the
 * next pixel, so the last pixel, whose next bytes may lie beyond the
 * buffer, is read a byte at a time.
 */
static inline __attribute__((always_inline)) void luma_row(const uint8_t *s, uint8_t *l,
                                                           uint32_t w, uint32_t ch)
{
    uint32_t x = 0;
    if (ch >= 3) {
        for (; x + 1 < w; x++, s += ch) {
            uint32_t v = tsf_load_u32(s);
            l[x] = (uint8_t)tsf_luma601(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff);
        }
        l[x] = (uint8_t)tsf_luma601(s[0], s[1], s[2]);
        return;
    }
    for (; x < w; x++, s += ch)
        l[x] = s[0];
}

/*
 * magnitude - min(255, round(sqrt(gx^2 + gy^2))).  Adding 2^23 rounds the
 * root to the nearest integer and leaves it in the low mantissa bits, which
 * spares a float-to-int conversion (and wasm2c's checks around it).  No
 * tie-breaking rule is involved: below 255.5 (above, the result is clamped
 * anyway) the root of an integer is never within 4e-4 of some k + 1/2,
 * far more than sqrtf's error of 1e-5 there.
 */
static inline uint32_t magnitude(int32_t gx, int32_t gy)
{
    union { float f; uint32_t u; } m = {tsf_sqrtf((float)(gx * gx + gy * gy)) + 8388608.0f};
    uint32_t v = m.u - 0x4b000000u;
    return v > 255 ? 255 : v;
}

/*
 * sobel_row - one output row from luma rows a, b, c (above, on, below).
 * With column sums A = a + 2b + c and differences D = c - a, gx is
 * A[x+2] - A[x] and gy is D[x] + 2 D[x+1] + D[x+2]; the last two columns
 * stay in registers.  s is the input core row, for alpha.
 */
static inline __attribute__((always_inline)) void sobel_row(const uint8_t *a, const uint8_t *b,
                                                            const uint8_t *c, const uint8_t *s,
                                                            uint8_t *d, uint32_t w, uint32_t ch)
{
    int32_t a0 = a[0] + 2 * b[0] + c[0], a1 = a[1] + 2 * b[1] + c[1];
    int32_t d0 = c[0] - a[0], d1 = c[1] - a[1];
    for (uint32_t x = 0; x < w; x++, d += ch, s += ch) {
        int32_t a2 = a[x + 2] + 2 * b[x + 2] + c[x + 2], d2 = c[x + 2] - a[x + 2];
        uint32_t m = magnitude(a2 - a0, d0 + 2 * d1 + d2);
        if (ch == 4) {
            tsf_store_u32(d, m * 0x010101u | (uint32_t)s[3] << 24);
        } else {
            d[0] = (uint8_t)m;
            if (ch == 2)
                d[1] = s[1];
            if (ch == 3) {
                d[1] = (uint8_t)m;
                d[2] = (uint8_t)m;
            }
        }
        a0 = a1;
        a1 = a2;
        d0 = d1;
        d1 = d2;
    }
}

/* sobel_rows - the whole tile with ch channels, a constant after inlining
 * (forced: otherwise clang keeps one copy that tests ch on every pixel). */
static inline __attribute__((always_inline)) void sobel_rows(const struct tsf_call *c,
                                                             uint8_t *l[3], uint32_t ch)
{
    size_t in_row = (size_t)c->in_w * ch, out_row = (size_t)c->out_w * ch;
    for (uint32_t k = 0; k < 3; k++)
        luma_row(c->in + k * in_row, l[k], c->in_w, ch);
    for (uint32_t y = 0; y < c->out_h; y++) {
        if (y > 0) {
            uint8_t *t = l[0];
            l[0] = l[1];
            l[1] = l[2];
            l[2] = t;
            luma_row(c->in + (y + 2) * in_row, l[2], c->in_w, ch);
        }
        sobel_row(l[0], l[1], l[2], tsf_in_core(c, y), c->out + y * out_row, c->out_w, ch);
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint8_t *l[3];
    for (uint32_t k = 0; k < 3; k++)
        if (!(l[k] = tsf_alloc_ptr(c->in_w)))
            return TSF_ENOMEM;
    switch (c->ch) {
    case 1: sobel_rows(c, l, 1); break;
    case 2: sobel_rows(c, l, 2); break;
    case 3: sobel_rows(c, l, 3); break;
    default: sobel_rows(c, l, 4); break;
    }
    return TSF_OK;
}
