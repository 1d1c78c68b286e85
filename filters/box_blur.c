/*
 * box_blur.c - the box_blur filter: mean of a (2r+1) x (2r+1) square.
 *
 * r = round(radius).  Integer sliding sums, horizontal over all in_h rows,
 * then vertical; sums are exact, so sliding does not depend on where a
 * tile starts.  With N = (2r+1)^2 and S the sum of the square,
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

/* box_rows - horizontal sums of 2r+1 pixels for every input row into t. */
static void box_rows(const struct tsf_call *c, uint32_t r, uint16_t *t)
{
    uint32_t ch = c->ch, n = c->out_w * ch, span = 2 * r * ch;
    for (uint32_t y = 0; y < c->in_h; y++) {
        const uint8_t *row = c->in + (size_t)y * c->in_w * ch;
        uint16_t *dst = t + (size_t)y * n;
        for (uint32_t k = 0; k < ch; k++) {
            uint32_t s = 0;
            for (uint32_t i = k; i <= span + k; i += ch)
                s += row[i];
            dst[k] = (uint16_t)s;
            for (uint32_t j = k + ch; j < n; j += ch) {
                s += (uint32_t)row[j + span] - row[j - ch];
                dst[j] = (uint16_t)s;
            }
        }
    }
}

/* box_step - emit a row of means and slide the column sums one row down. */
static void box_step(uint32_t *cs, const uint16_t *add, const uint16_t *sub, uint8_t *d,
                     uint32_t n, const struct recip *q)
{
    for (uint32_t j = 0; j < n; j++) {
        d[j] = recip_div(q, cs[j]);
        cs[j] += (uint32_t)add[j] - sub[j];
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    uint32_t r = c->halo, n = c->out_w * c->ch, span = 2 * r + 1;
    struct recip q = recip_make(span * span);
    uint16_t *t = tsf_alloc_ptr((uint64_t)c->in_h * n * sizeof *t);
    uint32_t *cs = tsf_alloc_ptr((uint64_t)n * sizeof *cs);
    if (!t || !cs)
        return TSF_ENOMEM;
    box_rows(c, r, t);
    for (uint32_t j = 0; j < n; j++)
        cs[j] = 0;
    for (uint32_t k = 0; k < span; k++)
        for (uint32_t j = 0; j < n; j++)
            cs[j] += t[(size_t)k * n + j];
    uint32_t last = c->out_h - 1;
    for (uint32_t y = 0; y < last; y++)
        box_step(cs, t + (size_t)(y + span) * n, t + (size_t)y * n, c->out + (size_t)y * n,
                 n, &q);
    uint8_t *d = c->out + (size_t)last * n;
    for (uint32_t j = 0; j < n; j++)
        d[j] = recip_div(&q, cs[j]);
    return TSF_OK;
}
