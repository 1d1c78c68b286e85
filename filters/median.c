/*
 * median.c - the median filter: per channel median of a (2r+1)^2 square.
 *
 * r = round(radius); 1 is 3x3, 5 is 11x11.  Every channel is filtered on
 * its own, alpha too.  A median is an exact order statistic, so any
 * method gives the same bits; two are used for speed: for 3x3 the median
 * of nine is med3(max of column minima, med3 of column middles, min of
 * column maxima) over the three sorted columns (Paeth's network); larger
 * squares use Huang's sliding 256-bin histogram along each row.
 */
#include "tsf.h"

#define PARAMS(X) X(radius, 1, 1, 5, "half the side of the square, rounded: 1 is 3x3")

TSF_FILTER("median",
           "Per channel median of the (2r+1)x(2r+1) square, exact; all channels including "
           "alpha",
           "neighborhood", "[1,2,3,4]", PARAMS);

static int32_t filter_halo(const float *p)
{
    return tsf_round_i(p[P_radius]);
}

static inline uint32_t min2(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t max2(uint32_t a, uint32_t b) { return a < b ? b : a; }

static inline uint32_t med3(uint32_t a, uint32_t b, uint32_t c)
{
    return max2(min2(a, b), min2(max2(a, b), c));
}

/* A column of three samples, sorted. */
struct col3 {
    uint32_t lo, mid, hi;
};

static inline struct col3 sort3(const uint8_t *s, size_t stride)
{
    uint32_t a = s[0], b = s[stride], c = s[2 * stride];
    struct col3 k;
    k.lo = min2(min2(a, b), c);
    k.hi = max2(max2(a, b), c);
    k.mid = a + b + c - k.lo - k.hi;
    return k;
}

/* median3_row - one channel of a 3x3 output row; s is its top-left input sample. */
static void median3_row(const uint8_t *s, size_t stride, uint32_t ch, uint8_t *d, uint32_t w)
{
    struct col3 p = sort3(s, stride), q = sort3(s + ch, stride);
    for (uint32_t x = 0; x < w; x++) {
        struct col3 r = sort3(s + (size_t)(x + 2) * ch, stride);
        uint32_t lo = max2(max2(p.lo, q.lo), r.lo);
        uint32_t hi = min2(min2(p.hi, q.hi), r.hi);
        d[(size_t)x * ch] = (uint8_t)med3(lo, med3(p.mid, q.mid, r.mid), hi);
        p = q;
        q = r;
    }
}

/* A window's histogram and where its median is. */
struct huang {
    uint16_t hist[256];
    uint32_t med;   /* the median */
    uint32_t below; /* samples < med */
    uint32_t half;  /* (N-1)/2: the median has at most `half` samples below it */
};

/* huang_settle - move med until below <= half < below + hist[med]. */
static inline void huang_settle(struct huang *h)
{
    while (h->below > h->half)
        h->below -= h->hist[--h->med];
    while (h->below + h->hist[h->med] <= h->half)
        h->below += h->hist[h->med++];
}

/* huang_row - one channel of an output row; s is its top-left input sample. */
static void huang_row(struct huang *h, const uint8_t *s, size_t stride, uint32_t ch,
                      uint32_t r, uint8_t *d, uint32_t w)
{
    uint32_t span = 2 * r + 1;
    for (uint32_t v = 0; v < 256; v++)
        h->hist[v] = 0;
    for (uint32_t k = 0; k < span; k++)
        for (uint32_t i = 0; i < span; i++)
            h->hist[s[k * stride + i * ch]]++;
    h->med = 0;
    h->below = 0;
    huang_settle(h);
    d[0] = (uint8_t)h->med;
    for (uint32_t x = 1; x < w; x++) {
        const uint8_t *out = s + (size_t)(x - 1) * ch, *in = s + (size_t)(x + 2 * r) * ch;
        for (uint32_t k = 0; k < span; k++, out += stride, in += stride) {
            h->hist[*out]--;
            h->below -= *out < h->med;
            h->hist[*in]++;
            h->below += *in < h->med;
        }
        huang_settle(h);
        d[(size_t)x * ch] = (uint8_t)h->med;
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct huang h;
    uint32_t r = c->halo, ch = c->ch, span = 2 * r + 1;
    size_t stride = (size_t)c->in_w * ch;
    h.half = (span * span - 1) / 2;
    for (uint32_t y = 0; y < c->out_h; y++) {
        for (uint32_t k = 0; k < ch; k++) {
            const uint8_t *s = c->in + y * stride + k;
            uint8_t *d = c->out + (size_t)y * c->out_w * ch + k;
            if (r == 1)
                median3_row(s, stride, ch, d, c->out_w);
            else
                huang_row(&h, s, stride, ch, r, d, c->out_w);
        }
    }
    return TSF_OK;
}
