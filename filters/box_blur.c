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
 * occur.  Every channel is blurred, alpha too.
 */
#include "tsf.h"

#define PARAMS(X) X(radius, 1, 1, 50, "half the side of the square, rounded: 1 is 3x3")

TSF_FILTER("box_blur",
           "Mean of the (2r+1)x(2r+1) square, rounded to nearest, integer; all channels "
           "including alpha",
           "neighborhood", "[1,2,3,4]", PARAMS);

/* Sums stay below 2^22: (2*50+1)^2 * 255 + (N-1)/2 < 4194304. */
#define SUM_BITS 22

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
 * recip_make - floor(x / n) == (x * mul) >> shift for x < 2^SUM_BITS when
 * shift = SUM_BITS + ceil(log2 n) and mul = floor(2^shift / n) + 1
 * (Granlund and Montgomery: the error mul*n - 2^shift <= n <= 2^ceil(log2 n)).
 */
static struct recip recip_make(uint32_t n)
{
    struct recip q;
    uint32_t l = 0;
    while ((1u << l) < n)
        l++;
    q.shift = SUM_BITS + l;
    q.mul = ((uint64_t)1 << q.shift) / n + 1;
    q.half = (n - 1) / 2;
    return q;
}

static inline uint8_t recip_div(const struct recip *q, uint32_t sum)
{
    return (uint8_t)(((uint64_t)(sum + q->half) * q->mul) >> q->shift);
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
        d[k] = recip_div(q, s);
        for (uint32_t x = 1; x < w; x++) {
            s += (uint32_t)in[x * ch] - out[(x - 1) * ch];
            d[x * ch + k] = recip_div(q, s);
        }
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t r = c->halo, ch = c->ch, span = 2 * r + 1, n = c->in_w * ch;
    struct recip q = recip_make(span * span);
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
