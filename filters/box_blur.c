/*
 * box_blur.c - the box_blur filter: mean of a (2r+1) x (2r+1) square.
 *
 * r = round(radius).  Integer sliding sums: column sums of 2r+1 input rows
 * (moved down a row at a time, four columns per step), then sums of 2r+1
 * column sums along each output row.  Sums are exact, so sliding does not
 * depend on where a tile starts.  With N = (2r+1)^2 and S the sum of the
 * square,
 *     out = floor((S + (N-1)/2) / N)
 * i.e. the mean rounded to nearest (N is odd, so there are no ties).  The
 * division is a multiply by a reciprocal that is exact for every S that can
 * occur.  16-bit samples take the same formula, with 32-bit column sums.
 * Every channel is blurred, alpha too.
 */
#include "tsf.h"

#define PARAMS(X) X(radius, 1, 1, 50, "half the side of the square, rounded: 1 is 3x3")

TSF_FILTER2("box_blur",
            "Mean of the (2r+1)x(2r+1) square, rounded to nearest, integer; all channels "
            "including alpha",
            "neighborhood", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

/* Sums stay below 2^22: (2*50+1)^2 * 255 + (N-1)/2 < 4194304; with 16-bit
 * samples below 2^30: (2*50+1)^2 * 65535 + (N-1)/2 < 2^30. */
#define SUM_BITS 22
#define SUM_BITS16 30

/* A divisor by N as a multiply and a shift, exact below 2^SUM_BITS. */
struct recip {
    uint64_t mul;
    uint32_t shift, half;
};

static int32_t filter_halo(const float *p)
{
    return tsf_round_i(p[P_radius]);
}

/*
 * recip_make - floor(x / n) == (x * mul) >> shift for x < 2^bits when
 * shift = bits + ceil(log2 n) and mul = floor(2^shift / n) + 1
 * (Granlund and Montgomery: the error mul*n - 2^shift <= n <= 2^ceil(log2 n)).
 * With bits 30 and n < 2^14, x * mul stays below 2^62.
 */
static struct recip recip_make(uint32_t n, uint32_t bits)
{
    struct recip q;
    uint32_t l = 0;
    while ((1u << l) < n)
        l++;
    q.shift = bits + l;
    q.mul = ((uint64_t)1 << q.shift) / n + 1;
    q.half = (n - 1) / 2;
    return q;
}

/* recip_div - the mean of a square whose sum is sum, rounded to nearest. */
static inline uint32_t recip_div(const struct recip *q, uint32_t sum)
{
    return (uint32_t)(((uint64_t)(sum + q->half) * q->mul) >> q->shift);
}

/*
 * col_update - cs += add - sub on in_w*ch column sums, four at a time as
 * u16 lanes: a sum is at most 101 * 255 < 2^16 and sub is part of it, so
 * no lane borrows from or carries into its neighbour.
 */
static void col_update(uint16_t *cs, const uint8_t *add, const uint8_t *sub, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint64_t a = tsf_load_u32(add + i), b = tsf_load_u32(sub + i);
        a = (a | a << 16) & 0x0000ffff0000ffffull;
        a = (a | a << 8) & 0x00ff00ff00ff00ffull;
        b = (b | b << 16) & 0x0000ffff0000ffffull;
        b = (b | b << 8) & 0x00ff00ff00ff00ffull;
        tsf_store_u64(cs + i, tsf_load_u64(cs + i) + a - b);
    }
    for (; i < n; i++)
        cs[i] = (uint16_t)(cs[i] + add[i] - sub[i]);
}

/* means - one output row of w pixels from the column sums, a channel at a time. */
static void means(const uint16_t *cs, uint8_t *d, uint32_t w, uint32_t r, uint32_t ch,
                  const struct recip *q)
{
    for (uint32_t k = 0; k < ch; k++) {
        const uint16_t *in = cs + k + 2 * r * ch, *out = cs + k;
        uint32_t s = 0;
        for (uint32_t i = 0; i <= 2 * r; i++)
            s += cs[i * ch + k];
        d[k] = (uint8_t)recip_div(q, s);
        for (uint32_t x = 1; x < w; x++) {
            s += (uint32_t)in[x * ch] - out[(x - 1) * ch];
            d[x * ch + k] = (uint8_t)recip_div(q, s);
        }
    }
}

/* col_update16 - cs += add - sub on n 32-bit column sums of 16-bit samples. */
static void col_update16(uint32_t *cs, const uint16_t *add, const uint16_t *sub, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cs[i] += (uint32_t)add[i] - sub[i];
}

/* means16 - means() for 32-bit column sums and 16-bit output. */
static void means16(const uint32_t *cs, uint16_t *d, uint32_t w, uint32_t r, uint32_t ch,
                    const struct recip *q)
{
    for (uint32_t k = 0; k < ch; k++) {
        uint32_t s = 0;
        for (uint32_t i = 0; i <= 2 * r; i++)
            s += cs[i * ch + k];
        d[k] = (uint16_t)recip_div(q, s);
        for (uint32_t x = 1; x < w; x++) {
            s += cs[(x + 2 * r) * ch + k] - cs[(x - 1) * ch + k];
            d[x * ch + k] = (uint16_t)recip_div(q, s);
        }
    }
}

/* box16 - the 16-bit tile, as filter_process does the 8-bit one. */
static int32_t box16(const struct tsf_call *c)
{
    uint32_t r = c->halo, ch = c->ch, span = 2 * r + 1, n = c->in_w * ch;
    struct recip q = recip_make(span * span, SUM_BITS16);
    const uint16_t *in = tsf_in16(c);
    uint32_t *cs = tsf_alloc_ptr((uint64_t)n * sizeof *cs);
    uint16_t *zero = tsf_alloc_ptr((uint64_t)n * sizeof *zero);
    if (!cs || !zero)
        return TSF_ENOMEM;
    memset(cs, 0, (size_t)n * sizeof *cs);
    memset(zero, 0, (size_t)n * sizeof *zero);
    for (uint32_t k = 0; k < span; k++)
        col_update16(cs, in + (size_t)k * n, zero, n);
    for (uint32_t y = 0; y < c->out_h; y++) {
        if (y > 0)
            col_update16(cs, in + (size_t)(y + 2 * r) * n, in + (size_t)(y - 1) * n, n);
        means16(cs, tsf_out16(c) + (size_t)y * c->out_w * ch, c->out_w, r, ch, &q);
    }
    return TSF_OK;
}

static int32_t filter_process(const struct tsf_call *c)
{
    if (c->depth == 16)
        return box16(c);
    uint32_t r = c->halo, ch = c->ch, span = 2 * r + 1, n = c->in_w * ch;
    struct recip q = recip_make(span * span, SUM_BITS);
    uint16_t *cs = tsf_alloc_ptr((uint64_t)n * sizeof *cs);
    uint8_t *zero = tsf_alloc_ptr(n);
    if (!cs || !zero)
        return TSF_ENOMEM;
    memset(cs, 0, (size_t)n * sizeof *cs);
    memset(zero, 0, n);
    /* the first 2r+1 rows go in against a row of zeros */
    for (uint32_t k = 0; k < span; k++)
        col_update(cs, c->in + (size_t)k * n, zero, n);
    for (uint32_t y = 0; y < c->out_h; y++) {
        if (y > 0)
            col_update(cs, c->in + (size_t)(y + 2 * r) * n, c->in + (size_t)(y - 1) * n, n);
        means(cs, c->out + (size_t)y * c->out_w * ch, c->out_w, r, ch, &q);
    }
    return TSF_OK;
}
