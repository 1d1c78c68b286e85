/*
 * sepia.c - the sepia filter: the classic sepia matrix in 8.8 fixed point.
 *
 *     R' = (101 R + 197 G +  48 B + 128) >> 8      (0.393 0.769 0.189)
 *     G' = ( 89 R + 176 G +  43 B + 128) >> 8      (0.349 0.686 0.168)
 *     B' = ( 70 R + 137 G +  34 B + 128) >> 8      (0.272 0.534 0.131)
 * each clamped to 255 (the rows sum to more than 1).  Alpha is kept.  Gray
 * input cannot take a tint without changing its channel count, so only 3
 * and 4 channels are accepted.
 *
 * The products come from three tables, one per input channel, each entry
 * holding that sample's three products packed, so a pixel is three
 * lookups and two adds; and a pixel is read and written with one 4-byte
 * access each.  Both matter most under wasm2c, where every memory access
 * also pays for its 32-bit address, but the native build gains too.
 */
#include "tsf_kernels.h"

TSF_POINT_FILTER("sepia", "Classic sepia tone matrix in integer arithmetic; alpha unchanged",
                 "[3,4]", TSF_NO_PARAMS);

static inline uint8_t sat(uint32_t v)
{
    v = (v + 128) >> 8;
    return (uint8_t)(v > 255 ? 255 : v);
}

/* A channel's three products, 101 r | 89 r << 21 | 70 r << 42 for red and
 * so on: the sums of a pixel's three then sit in 21-bit lanes (at most
 * 346 * 255 < 2^17), one per output channel, added in one go. */
struct prod {
    uint64_t r[256], g[256], b[256];
};

static void prod_init(struct prod *t)
{
    for (uint64_t v = 0; v < 256; v++) {
        t->r[v] = 101 * v | 89 * v << 21 | 70 * v << 42;
        t->g[v] = 197 * v | 176 * v << 21 | 137 * v << 42;
        t->b[v] = 48 * v | 43 * v << 21 | 34 * v << 42;
    }
}

/* sepia1 - the sepia samples of pixel v (r, g, b in its low bytes), packed. */
static inline uint32_t sepia1(const struct prod *t, uint32_t v)
{
    uint64_t s = t->r[v & 0xff] + t->g[(v >> 8) & 0xff] + t->b[(v >> 16) & 0xff];
    return sat(s & 0x1fffff) | (uint32_t)sat((s >> 21) & 0x1fffff) << 8 |
           (uint32_t)sat(s >> 42) << 16;
}

/*
 * sepia_pixels - n pixels of ch (3 or 4, a constant after inlining)
 * channels, one 4-byte load and store per pixel.  With 3 channels the
 * store's fourth byte lands on the next pixel, which is written after it,
 * so the last pixel is done a byte at a time.
 */
static inline void sepia_pixels(const struct prod *t, const uint8_t *s, uint8_t *d, uint32_t n,
                                uint32_t ch)
{
    uint32_t alpha = ch == 4 ? 0xff000000u : 0, last = ch == 4 ? n : n - 1, i = 0;
    for (; i < last; i++, s += ch, d += ch) {
        uint32_t v = tsf_load_u32(s);
        tsf_store_u32(d, sepia1(t, v) | (v & alpha));
    }
    if (i < n) {
        uint32_t o = sepia1(t, s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16);
        d[0] = (uint8_t)o;
        d[1] = (uint8_t)(o >> 8);
        d[2] = (uint8_t)(o >> 16);
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    TSF_TABLE struct prod t;
    uint32_t n = c->out_w * c->out_h;
    prod_init(&t);
    if (c->ch == 4)
        sepia_pixels(&t, c->in, c->out, n, 4);
    else
        sepia_pixels(&t, c->in, c->out, n, 3);
    return TSF_OK;
}
