/*
 * tsf_kernels.h - the Gaussian shared by gaussian_blur and sharpen, and
 * table lookup for point filters.
 *
 * The kernel is computed in float with tsf_expf and turned into integer
 * weights w[0..2r] (symmetric, 16-bit fixed point) that sum to exactly
 * TSF_GAUSS_ONE; the convolution itself is integer and exact, so it gives
 * the same bits in every build and at every position in a tile.
 *
 *   radius   r = ceil(3 sigma)
 *   weights  g_i = tsf_expf(-i*i / (2 sigma^2)), i = 0..r;
 *            S = g_0 + 2 g_1 + ... + 2 g_r (in that order);
 *            f_i = g_i * (65536 / S), w[r+i] = w[r-i] = floor(f_i); the D
 *            units still missing from 65536 go, two at a time, to the
 *            pairs with the largest remainders f_i - floor(f_i) (smaller i
 *            first on ties), and the centre w[r] takes the last odd one.
 *            Every tap is within one unit of f_i, the kernel is symmetric
 *            and it never rises away from the centre.
 *   rows     every one of the in_h input rows (the vertical pass needs
 *            the halo rows too) is filtered horizontally into 9.7 fixed
 *            point: t = (sum w[k] v + 2^8) >> 9, at most 32640;
 *   columns  acc = sum w[k] t < 2^31; gaussian_blur's result is
 *            (acc + 2^22) >> 23, sharpen's 8.8 blur (acc + 2^14) >> 15.
 *
 * Both passes work on four neighbouring samples at once, as 32-bit lanes
 * of two 64-bit integers (samples 0 and 2, samples 1 and 3).  The bounds
 * above keep every lane below 2^32, so lanes never carry into each other
 * and the result is exactly that of one sample at a time.  Most of a
 * row goes eight samples per pass over the taps (two such groups of
 * four), then four, and the last few one at a time.  Rows are
 * filtered as the vertical pass needs them, into a ring of 2(2r+1) rows
 * that holds every row twice so that any window of 2r+1 rows is one
 * contiguous block (or, when that would not be smaller, all in_h rows).
 *
 * 16-bit samples (tsf_gauss16) take the same kernel, one sample at a
 * time in wider integers:
 *   rows     every input row filtered horizontally into 16.8 fixed point:
 *            t = (sum w[k] v + 2^7) >> 8, below 2^24 (the sum is below 2^32);
 *   columns  acc = sum w[k] t, below 2^40, in 64 bits; gaussian_blur's
 *            result is (acc + 2^23) >> 24, sharpen's 16.8 blur
 *            (acc + 2^15) >> 16.
 * A flat image stays flat exactly: t = 256 v and acc = 2^24 v.
 *
 * Point filters by table (tsf_lut32): the byte table is spread into four
 * u32 tables, one per byte position of a 4-byte word, each entry already
 * shifted into place (and the identity on alpha positions), so that eight
 * bytes cost one 8-byte load, eight lookups, seven ORs and one 8-byte
 * store, with no masks.  Under wasm2c a byte loop pays a 32-bit address
 * add, its widening and a reload of the memory base for every byte
 * stored; this halves the sandbox's time and speeds up the native build
 * too.  Declare the tables TSF_TABLE (see there).
 */
#ifndef TSF_KERNELS_H
#define TSF_KERNELS_H

#include "tsf.h"

#define TSF_GAUSS_ONE 65536u
#define TSF_GAUSS_MAX_RADIUS 60 /* sigma 20 */
#define TSF__LANES 0x0000ffff0000ffffull

/*
 * TSF_TABLE - storage for a table that a filter fills on each call and
 * reads in its inner loop.  In wasm it is a static, whose constant address
 * a load takes as its offset (a table on the wasm stack costs a 32-bit add
 * and a widening per lookup); an instance runs one call at a time, so
 * that is safe.  A native module may run in several threads at once:
 * there it is on the caller's stack (thread-local storage would do too,
 * but gcc then looks its address up again on every iteration).
 */
#ifdef TSF_NATIVE
#define TSF_TABLE
#else
#define TSF_TABLE static
#endif

/* A Gaussian pass over one tile; see tsf_gauss_init. */
struct tsf_gauss {
    uint32_t w[2 * TSF_GAUSS_MAX_RADIUS + 1];
    uint32_t r, span;       /* radius, 2r+1 */
    uint32_t n;             /* samples in an output row: out_w * ch */
    uint32_t slots;         /* rows the ring holds */
    uint32_t next;          /* next input row to filter */
    uint16_t *wide;         /* the input row being filtered, widened */
    uint16_t *ring;         /* filtered rows */
    const struct tsf_call *c;
};

/* tsf_gauss_radius - the halo a sigma needs: ceil(3 sigma). */
static inline uint32_t tsf_gauss_radius(float sigma)
{
    return (uint32_t)tsf_ceil_i(3.0f * sigma);
}

/*
 * tsf__gauss_pick - index i in 1..r of the largest remainder not yet taken,
 * the smaller index on ties; 0 when all are taken.
 */
static inline uint32_t tsf__gauss_pick(const float *rem, const uint8_t *taken, uint32_t r)
{
    uint32_t best = 0;
    for (uint32_t i = 1; i <= r; i++)
        if (!taken[i] && (best == 0 || rem[i] > rem[best]))
            best = i;
    return best;
}

/* tsf_gauss_kernel - fill w[0..2r] (r <= TSF_GAUSS_MAX_RADIUS), summing to TSF_GAUSS_ONE. */
static inline void tsf_gauss_kernel(float sigma, uint32_t r, uint32_t *w)
{
    float g[TSF_GAUSS_MAX_RADIUS + 1], rem[TSF_GAUSS_MAX_RADIUS + 1];
    uint8_t taken[TSF_GAUSS_MAX_RADIUS + 1];
    float s2 = 2.0f * sigma * sigma, sum;
    for (uint32_t i = 0; i <= r; i++)
        g[i] = tsf_expf(-(float)(i * i) / s2);
    sum = g[0];
    for (uint32_t i = 1; i <= r; i++)
        sum += 2.0f * g[i];
    float scale = (float)TSF_GAUSS_ONE / sum;
    int64_t left = TSF_GAUSS_ONE;
    for (uint32_t i = 0; i <= r; i++) {
        float f = g[i] * scale;
        int32_t fl = tsf_floor_i(f);
        rem[i] = f - (float)fl;
        taken[i] = 0;
        w[r - i] = w[r + i] = (uint32_t)fl;
        left -= i ? 2 * fl : fl;
    }
    for (; left >= 2; left -= 2) {
        uint32_t i = tsf__gauss_pick(rem, taken, r);
        if (i == 0)
            break;
        taken[i] = 1;
        w[r - i]++;
        w[r + i]++;
    }
    w[r] = (uint32_t)((int64_t)w[r] + left);
}

/*
 * tsf__gauss4 - the weighted sums for four neighbouring samples s[0..3]
 * whose taps are `step` samples apart: samples 0 and 2 in the lanes of
 * *lo, 1 and 3 in *hi.  Inputs are at most 32640, so a pair of them
 * still fits a 16-bit lane and is added before splitting.
 */
static inline void tsf__gauss4(const uint16_t *s, size_t step, const uint32_t *w, uint32_t r,
                               uint64_t *lo, uint64_t *hi)
{
    uint64_t v = tsf_load_u64(s + r * step);
    uint64_t a = w[r] * (v & TSF__LANES), b = w[r] * ((v >> 16) & TSF__LANES);
    for (uint32_t k = 0; k < r; k++) {
        uint64_t pair = tsf_load_u64(s + k * step) + tsf_load_u64(s + (2 * r - k) * step);
        a += w[k] * (pair & TSF__LANES);
        b += w[k] * ((pair >> 16) & TSF__LANES);
    }
    *lo = a;
    *hi = b;
}

/*
 * tsf__gauss8 - tsf__gauss4 for s[0..3] (lo[0], hi[0]) and s[4..7] (lo[1],
 * hi[1]) in one pass over the taps, so that each weight and each tap's
 * address (two 32-bit adds and a widening per load under wasm2c) serve
 * eight samples instead of four.
 */
static inline void tsf__gauss8(const uint16_t *s, size_t step, const uint32_t *w, uint32_t r,
                               uint64_t lo[2], uint64_t hi[2])
{
    uint64_t v = tsf_load_u64(s + r * step), u = tsf_load_u64(s + r * step + 4);
    uint64_t a = w[r] * (v & TSF__LANES), b = w[r] * ((v >> 16) & TSF__LANES);
    uint64_t c = w[r] * (u & TSF__LANES), d = w[r] * ((u >> 16) & TSF__LANES);
    for (uint32_t k = 0; k < r; k++) {
        const uint16_t *p = s + k * step, *q = s + (2 * r - k) * step;
        uint64_t w64 = w[k];
        uint64_t pair = tsf_load_u64(p) + tsf_load_u64(q);
        uint64_t pair2 = tsf_load_u64(p + 4) + tsf_load_u64(q + 4);
        a += w64 * (pair & TSF__LANES);
        b += w64 * ((pair >> 16) & TSF__LANES);
        c += w64 * (pair2 & TSF__LANES);
        d += w64 * ((pair2 >> 16) & TSF__LANES);
    }
    lo[0] = a;
    hi[0] = b;
    lo[1] = c;
    hi[1] = d;
}

/* tsf__gauss1 - the weighted sum for the one sample s[0]. */
static inline uint32_t tsf__gauss1(const uint16_t *s, size_t step, const uint32_t *w,
                                   uint32_t r)
{
    uint32_t acc = w[r] * s[r * step];
    for (uint32_t k = 0; k < r; k++)
        acc += w[k] * (uint32_t)(s[k * step] + s[(2 * r - k) * step]);
    return acc;
}

/* tsf__lanes16 - (x + round) >> shift in each lane, packed as four u16 (0,1,2,3). */
static inline uint64_t tsf__lanes16(uint64_t lo, uint64_t hi, uint64_t round, unsigned shift)
{
    lo = ((lo + round) >> shift) & TSF__LANES;
    hi = ((hi + round) >> shift) & TSF__LANES;
    return lo | hi << 16;
}

/* tsf__widen - bytes to u16 samples, four at a time. */
static inline void tsf__widen(const uint8_t *s, uint16_t *d, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint64_t v = tsf_load_u32(s + i);
        v = (v | v << 16) & 0x0000ffff0000ffffull;
        v = (v | v << 8) & 0x00ff00ff00ff00ffull;
        tsf_store_u64(d + i, v);
    }
    for (; i < n; i++)
        d[i] = s[i];
}

/* tsf__gauss_row - filter input row y horizontally into its ring slot(s). */
static inline void tsf__gauss_row(struct tsf_gauss *g, uint32_t y)
{
    const struct tsf_call *c = g->c;
    uint32_t ch = c->ch, n = g->n, j = 0;
    uint32_t slot = g->slots == c->in_h ? y : y % g->span;
    uint16_t *d = g->ring + (size_t)slot * n, *twin = d + (size_t)g->span * n;
    int mirror = g->slots != c->in_h;
    tsf__widen(c->in + (size_t)y * c->in_w * ch, g->wide, c->in_w * ch);
    for (; j + 8 <= n; j += 8) {
        uint64_t lo[2], hi[2];
        tsf__gauss8(g->wide + j, ch, g->w, g->r, lo, hi);
        for (int h = 0; h < 2; h++) {
            uint64_t v = tsf__lanes16(lo[h], hi[h], 0x0000010000000100ull, 9);
            tsf_store_u64(d + j + 4 * h, v);
            if (mirror)
                tsf_store_u64(twin + j + 4 * h, v);
        }
    }
    for (; j + 4 <= n; j += 4) {
        uint64_t lo, hi;
        tsf__gauss4(g->wide + j, ch, g->w, g->r, &lo, &hi);
        uint64_t v = tsf__lanes16(lo, hi, 0x0000010000000100ull, 9);
        tsf_store_u64(d + j, v);
        if (mirror)
            tsf_store_u64(twin + j, v);
    }
    for (; j < n; j++) {
        d[j] = (uint16_t)((tsf__gauss1(g->wide + j, ch, g->w, g->r) + 256) >> 9);
        if (mirror)
            twin[j] = d[j];
    }
}

/*
 * tsf_gauss_init - kernel for sigma, buffers for tile c (whose halo must be
 * tsf_gauss_radius(sigma)).  Returns TSF_OK or TSF_ENOMEM.
 */
static inline int32_t tsf_gauss_init(struct tsf_gauss *g, const struct tsf_call *c, float sigma)
{
    g->c = c;
    g->r = c->halo;
    g->span = 2 * g->r + 1;
    g->n = c->out_w * c->ch;
    g->slots = 2 * g->span < c->in_h ? 2 * g->span : c->in_h;
    g->next = 0;
    g->wide = tsf_alloc_ptr((uint64_t)c->in_w * c->ch * sizeof *g->wide);
    g->ring = tsf_alloc_ptr((uint64_t)g->slots * g->n * sizeof *g->ring);
    if (!g->wide || !g->ring)
        return TSF_ENOMEM;
    tsf_gauss_kernel(sigma, g->r, g->w);
    return TSF_OK;
}

/*
 * tsf_gauss_window - the 2r+1 filtered rows output row y needs, as one
 * block with rows n samples apart.  Call for y = 0, 1, 2, ... in order.
 */
static inline const uint16_t *tsf_gauss_window(struct tsf_gauss *g, uint32_t y)
{
    while (g->next <= y + 2 * g->r)
        tsf__gauss_row(g, g->next++);
    uint32_t first = g->slots == g->c->in_h ? y : y % g->span;
    return g->ring + (size_t)first * g->n;
}

/* tsf_gauss_out8 - the blurred 8-bit row from window t: (acc + 2^22) >> 23. */
static inline uint32_t tsf__bytes4(uint64_t lo, uint64_t hi)
{
    lo = ((lo + 0x0040000000400000ull) >> 23) & 0x000000ff000000ffull;
    hi = ((hi + 0x0040000000400000ull) >> 23) & 0x000000ff000000ffull;
    uint64_t x = lo | hi << 8;
    return (uint32_t)((x & 0xffff) | ((x >> 16) & 0xffff0000));
}

static inline void tsf_gauss_out8(const struct tsf_gauss *g, const uint16_t *t, uint8_t *d)
{
    uint32_t n = g->n, j = 0;
    for (; j + 8 <= n; j += 8) {
        uint64_t lo[2], hi[2];
        tsf__gauss8(t + j, n, g->w, g->r, lo, hi);
        tsf_store_u64(d + j, tsf__bytes4(lo[0], hi[0]) | (uint64_t)tsf__bytes4(lo[1], hi[1]) << 32);
    }
    for (; j + 4 <= n; j += 4) {
        uint64_t lo, hi;
        tsf__gauss4(t + j, n, g->w, g->r, &lo, &hi);
        tsf_store_u32(d + j, tsf__bytes4(lo, hi));
    }
    for (; j < n; j++)
        d[j] = (uint8_t)((tsf__gauss1(t + j, n, g->w, g->r) + (1u << 22)) >> 23);
}

/* tsf_gauss_out16 - the blurred row from window t in 8.8: (acc + 2^14) >> 15. */
static inline void tsf_gauss_out16(const struct tsf_gauss *g, const uint16_t *t, uint16_t *d)
{
    uint32_t n = g->n, j = 0;
    for (; j + 8 <= n; j += 8) {
        uint64_t lo[2], hi[2];
        tsf__gauss8(t + j, n, g->w, g->r, lo, hi);
        tsf_store_u64(d + j, tsf__lanes16(lo[0], hi[0], 0x0000400000004000ull, 15));
        tsf_store_u64(d + j + 4, tsf__lanes16(lo[1], hi[1], 0x0000400000004000ull, 15));
    }
    for (; j + 4 <= n; j += 4) {
        uint64_t lo, hi;
        tsf__gauss4(t + j, n, g->w, g->r, &lo, &hi);
        tsf_store_u64(d + j, tsf__lanes16(lo, hi, 0x0000400000004000ull, 15));
    }
    for (; j < n; j++)
        d[j] = (uint16_t)((tsf__gauss1(t + j, n, g->w, g->r) + (1u << 14)) >> 15);
}

/* A 16-bit Gaussian pass over one tile; see tsf_gauss16_init. */
struct tsf_gauss16 {
    uint32_t w[2 * TSF_GAUSS_MAX_RADIUS + 1];
    uint32_t r, n;          /* radius; samples in an output row */
    uint32_t *rows;         /* the in_h rows filtered horizontally, n samples each */
    uint64_t *acc;          /* one output row's column sums */
};

/*
 * tsf_gauss16_init - kernel for sigma and every row of 16-bit tile c
 * (whose halo must be tsf_gauss_radius(sigma)) filtered horizontally.
 * Returns TSF_OK or TSF_ENOMEM.
 */
static inline int32_t tsf_gauss16_init(struct tsf_gauss16 *g, const struct tsf_call *c,
                                       float sigma)
{
    uint32_t ch = c->ch, r = c->halo, n = c->out_w * ch;
    g->r = r;
    g->n = n;
    g->rows = tsf_alloc_ptr((uint64_t)c->in_h * n * sizeof *g->rows);
    g->acc = tsf_alloc_ptr((uint64_t)n * sizeof *g->acc);
    if (!g->rows || !g->acc)
        return TSF_ENOMEM;
    tsf_gauss_kernel(sigma, r, g->w);
    for (uint32_t y = 0; y < c->in_h; y++) {
        const uint16_t *s = tsf_in16(c) + (size_t)y * c->in_w * ch;
        uint32_t *d = g->rows + (size_t)y * n;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t acc = 0;
            for (uint32_t k = 0; k <= 2 * r; k++)
                acc += g->w[k] * s[j + k * ch];
            d[j] = (acc + 128) >> 8;
        }
    }
    return TSF_OK;
}

/* tsf__gauss16_sum - g->acc = the column sums of output row y. */
static inline void tsf__gauss16_sum(const struct tsf_gauss16 *g, uint32_t y)
{
    uint32_t n = g->n;
    for (uint32_t j = 0; j < n; j++)
        g->acc[j] = 0;
    for (uint32_t k = 0; k <= 2 * g->r; k++) {
        const uint32_t *t = g->rows + (size_t)(y + k) * n;
        uint64_t w = g->w[k];
        for (uint32_t j = 0; j < n; j++)
            g->acc[j] += w * t[j];
    }
}

/* tsf_gauss16_out - the blurred 16-bit output row y: (acc + 2^23) >> 24. */
static inline void tsf_gauss16_out(const struct tsf_gauss16 *g, uint32_t y, uint16_t *d)
{
    tsf__gauss16_sum(g, y);
    for (uint32_t j = 0; j < g->n; j++)
        d[j] = (uint16_t)((g->acc[j] + (1u << 23)) >> 24);
}

/* tsf_gauss16_blur - output row y's blur in 16.8: (acc + 2^15) >> 16. */
static inline void tsf_gauss16_blur(const struct tsf_gauss16 *g, uint32_t y, uint32_t *d)
{
    tsf__gauss16_sum(g, y);
    for (uint32_t j = 0; j < g->n; j++)
        d[j] = (uint32_t)((g->acc[j] + (1u << 15)) >> 16);
}

/* The tables of tsf_lut32_apply. */
struct tsf_lut32 {
    uint32_t t[4][256];
};

/* tsf_lut32_init - l from the byte table lut for ch channels: alpha kept. */
static inline void tsf_lut32_init(struct tsf_lut32 *l, const uint8_t lut[256], uint32_t ch)
{
    uint32_t keep = tsf_alpha_mask32(ch);
    for (uint32_t k = 0; k < 4; k++)
        for (uint32_t v = 0; v < 256; v++)
            l->t[k][v] = ((keep >> (8 * k)) & 0xff ? v : lut[v]) << (8 * k);
}

/* tsf__lut4 - the four bytes of v through the tables of l. */
static inline uint32_t tsf__lut4(const struct tsf_lut32 *l, uint32_t v)
{
    return l->t[0][v & 0xff] | l->t[1][(v >> 8) & 0xff] | l->t[2][(v >> 16) & 0xff] |
           l->t[3][v >> 24];
}

/*
 * tsf_lut32_apply - a point filter by table: out = lut[in] on colour
 * samples, alpha copied, with l made by tsf_lut32_init for c->ch.
 */
static inline void tsf_lut32_apply(const struct tsf_lut32 *l, const struct tsf_call *c)
{
    const uint8_t *s = c->in;
    uint8_t *d = c->out;
    size_t n = (size_t)c->out_w * c->out_h * c->ch, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v = tsf_load_u64(s + i);
        uint64_t o = tsf__lut4(l, (uint32_t)v) | (uint64_t)tsf__lut4(l, (uint32_t)(v >> 32)) << 32;
        tsf_store_u64(d + i, o);
    }
    /* 8 is a multiple of ch when there is alpha, so i % 4 is the position */
    for (; i < n; i++)
        d[i] = (uint8_t)(l->t[i % 4][s[i]] >> (8 * (i % 4)));
}

#endif
