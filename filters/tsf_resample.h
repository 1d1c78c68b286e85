/*
 * tsf_resample.h - separable resampling for the geometry filters resize
 * and thumbnail: kernels, per-pixel weights from absolute positions, and
 * the two integer passes, for 8- and 16-bit samples.
 *
 * AXES
 *	Each axis maps an input of n pixels onto a scaled size m (the scale
 *	is s = m / n exactly, a ratio of integers); output pixel o is scaled
 *	pixel p = o + off (off > 0 when thumbnail crops the scaled image).
 *	Its centre in input coordinates is
 *
 *	    c = (p + 0.5) / s - 0.5 = ((2p + 1) n - m) / (2m)
 *
 *	Kernel k of support a (nearest -, linear 1, cubic 2, lanczos3 3).
 *	Shrinking (m < n) stretches it by 1/s, which antialiases: tap i gets
 *	k((i - c) * min(1, s)), and the taps are the i with
 *	|i - c| < a * max(1, 1/s), found exactly in integers:
 *
 *	    |2m i - ((2p + 1) n - m)| < 2a max(n, m)
 *	    x_i = (2m i - ((2p + 1) n - m)) / (2 max(n, m))   (one f64 division)
 *
 *	nearest takes the one pixel i = floor((2p + 1) n / (2m)), the one
 *	holding the centre; an axis whose size does not change (m == n) is
 *	copied that way whatever the kernel (every kernel gives exactly that).
 *
 * KERNELS (x in input pixels after stretching)
 *	linear    1 - |x|                                   |x| < 1
 *	cubic     Catmull-Rom (B = 0, C = 1/2, as libvips):
 *	          1.5|x|^3 - 2.5|x|^2 + 1                    |x| < 1
 *	          -0.5|x|^3 + 2.5|x|^2 - 4|x| + 2            1 <= |x| < 2
 *	lanczos3  sinc(x) sinc(x / 3) = 3 sin(pi x) sin(pi x / 3) / (pi x)^2,
 *	          1 at 0                                    |x| < 3
 *	sin is tsf_sinpi below: reduction to [-1/2, 1/2] and a degree-15
 *	Taylor polynomial in f64, + - * / only, so the bits are the same in
 *	every build (error below 1e-11, far under the weights' 2^-22 step).
 *
 * WEIGHTS
 *	f64 values k_i summed in tap order to S; f_i = k_i * 2^22 / S,
 *	w_i = floor(f_i + 0.5); what the w_i miss of 2^22 goes to the
 *	largest w_i (the first of equals).  So the weights sum to exactly
 *	TSF_RS_ONE = 2^22 and depend only on the pixel's absolute position:
 *	every tile computes the same weights for the same pixel.
 *
 * PASSES (integer, exact)
 *	horizontal, every input row the vertical taps need:
 *	    t = round(sum w_i v_i / 2^14)       (v * 2^8, overshoot kept)
 *	vertical:
 *	    out = clamp(round(sum w_j t_j / 2^30), 0, 255 or 65535)
 *	round(x / 2^k) = floor((x + 2^(k-1)) / 2^k), in 64-bit integers
 *	(32-bit in the horizontal pass of 8-bit samples where that is exact).
 *	With 16-bit samples and weights whose magnitudes sum to under 2^6
 *	times 2^22 (lanczos3's sum to about 1.3 times), t fits 31 bits and
 *	every sum 63: no step overflows.  22 bits of weight keep 16-bit
 *	results within a fraction of a level of exact arithmetic.
 *	Every channel is filtered alike, alpha too (straight, as stored; no
 *	premultiplication, like libvips resize by default).
 *
 * The header needs only <stdint.h> so that unit tests can include it;
 * callers give it scratch memory (tsf_rs_scratch bytes).  Included after
 * tsf.h it adds tsf_rs_region and tsf_rs_process, a geometry filter's
 * filter_region and filter_process for a pair of axes.
 */
#ifndef TSF_RESAMPLE_H
#define TSF_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define TSF_RS_BITS 22
#define TSF_RS_ONE (1 << TSF_RS_BITS)
#define TSF_RS_EXTRA 8 /* fraction bits kept between the passes */

enum tsf_rs_kernel { TSF_RS_NEAREST, TSF_RS_LINEAR, TSF_RS_CUBIC, TSF_RS_LANCZOS3 };

/* One axis: output pixel o is pixel o + off of the input of n scaled to m. */
struct tsf_rs_axis {
    int64_t n, m, off;
    int kernel;
};

/*
 * Weights of a run of output pixels on one axis.  Every pixel gets the same
 * number of taps, the most any of them has: its own taps sit in a window
 * of that many input pixels, at[i] from the input's start, and the rest
 * of the window has weight 0 (adding 0 changes no sum), so the passes
 * run loops of a length fixed for the call.
 */
struct tsf_rs_weights {
    int64_t *first;     /* absolute index of each pixel's first tap */
    uint32_t *count;    /* its number of taps */
    uint32_t *at;       /* its window's start, from the input's start */
    int32_t *w;         /* taps weights per pixel, the window's */
    uint32_t maxtaps;   /* a bound of taps, for scratch */
    uint32_t taps;      /* the window's length: the most taps of a pixel */
    int64_t wabs;       /* the largest sum of |w| of a pixel */
};

/* What tsf_rs_run resamples: in and out buffers at absolute positions. */
struct tsf_rs_call {
    const uint8_t *in;
    int64_t in_x, in_y;
    uint32_t in_w, in_h;
    uint8_t *out;
    int64_t out_x, out_y;
    uint32_t out_w, out_h;
    uint32_t ch, depth;         /* 1..4; 8 or 16 (host byte order) */
    struct tsf_rs_axis ax, ay;
};

/* tsf_rs_floordiv - floor(a / b) for b > 0. */
static inline int64_t tsf_rs_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

/* tsf_rs_round_shift - floor((x + 2^(k-1)) / 2^k), 1 <= k <= 62. */
static inline int64_t tsf_rs_round_shift(int64_t x, unsigned k)
{
    int64_t y = x + ((int64_t)1 << (k - 1));
    return y >= 0 ? y >> k : -((-y + ((int64_t)1 << k) - 1) >> k);
}

/* tsf_rs_round_div - nearest integer to a / b (b > 0, a >= 0), halves up. */
static inline int64_t tsf_rs_round_div(int64_t a, int64_t b)
{
    return tsf_rs_floordiv(2 * a + b, 2 * b);
}

/* tsf_rs_round_d - floor(x + 0.5) for |x| < 2^62: x rounded, halves up. */
static inline int64_t tsf_rs_round_d(double x)
{
    double h = x + 0.5;
    int64_t r = (int64_t)h;
    return (double)r > h ? r - 1 : r;
}

/* tsf_sinpi - sin(pi x) for |x| < 2^52, from + - * / only. */
static inline double tsf_sinpi(double x)
{
    double h = x * 0.5 + 0.5;
    int64_t n = (int64_t)h;
    if ((double)n > h)
        n--;
    double y = x - 2.0 * (double)n; /* [-1, 1) */
    if (y > 0.5)
        y = 1.0 - y;
    else if (y < -0.5)
        y = -1.0 - y;
    double t = 3.14159265358979323846 * y, t2 = t * t;
    double s = 1.0 - t2 / 210.0;
    s = 1.0 - t2 / 156.0 * s;
    s = 1.0 - t2 / 110.0 * s;
    s = 1.0 - t2 / 72.0 * s;
    s = 1.0 - t2 / 42.0 * s;
    s = 1.0 - t2 / 20.0 * s;
    s = 1.0 - t2 / 6.0 * s;
    return t * s;
}

/* tsf_rs_kernel_at - the kernel's value at x (input pixels, stretched). */
static inline double tsf_rs_kernel_at(int kernel, double x)
{
    double a = x < 0 ? -x : x;
    switch (kernel) {
    case TSF_RS_LINEAR:
        return a < 1.0 ? 1.0 - a : 0.0;
    case TSF_RS_CUBIC:
        if (a < 1.0)
            return (1.5 * a - 2.5) * a * a + 1.0;
        return a < 2.0 ? ((-0.5 * a + 2.5) * a - 4.0) * a + 2.0 : 0.0;
    case TSF_RS_LANCZOS3:
        if (a == 0.0)
            return 1.0;
        if (a >= 3.0)
            return 0.0;
        return 3.0 * tsf_sinpi(x) * tsf_sinpi(x / 3.0) /
               (3.14159265358979323846 * 3.14159265358979323846 * x * x);
    default:
        return a < 0.5 ? 1.0 : 0.0;
    }
}

/* tsf_rs_support - the kernel's support a; 0 for nearest (and a copied axis). */
static inline int64_t tsf_rs_support(const struct tsf_rs_axis *a)
{
    static const int64_t sup[] = {0, 1, 2, 3};
    if (a->m == a->n || a->kernel < 0 || a->kernel > TSF_RS_LANCZOS3)
        return 0;
    return sup[a->kernel];
}

/* tsf_rs_taps - the first and last input index output pixel o reads. */
static inline void tsf_rs_taps(const struct tsf_rs_axis *a, int64_t o, int64_t *first,
                               int64_t *last)
{
    int64_t p = o + a->off, sup = tsf_rs_support(a);
    int64_t num = (2 * p + 1) * a->n - a->m;
    if (sup == 0) {
        *first = *last = tsf_rs_floordiv(num + a->m, 2 * a->m);
        return;
    }
    int64_t lim = 2 * sup * (a->n > a->m ? a->n : a->m);
    /* num - lim < 2m i < num + lim */
    *first = tsf_rs_floordiv(num - lim, 2 * a->m) + 1;
    *last = -tsf_rs_floordiv(-(num + lim), 2 * a->m) - 1;
}

/* tsf_rs_span - the input range [*lo, *lo + *len) that outputs [o, o + n) read. */
static inline void tsf_rs_span(const struct tsf_rs_axis *a, int64_t o, int64_t n, int64_t *lo,
                               int64_t *len)
{
    int64_t f, l, f2, l2;
    tsf_rs_taps(a, o, &f, &l);
    tsf_rs_taps(a, o + n - 1, &f2, &l2);
    *lo = f;
    *len = l2 - f + 1;
}

/* tsf_rs_maxtaps - an upper bound of the taps of any pixel on this axis. */
static inline uint32_t tsf_rs_maxtaps(const struct tsf_rs_axis *a)
{
    int64_t sup = tsf_rs_support(a);
    if (sup == 0)
        return 1;
    int64_t lim = 2 * sup * (a->n > a->m ? a->n : a->m);
    return (uint32_t)(lim / a->m + 2);
}

/* tsf_rs_weights_bytes - scratch bytes tsf_rs_weights needs for n pixels. */
static inline uint64_t tsf_rs_weights_bytes(const struct tsf_rs_axis *a, uint64_t n)
{
    uint64_t t = tsf_rs_maxtaps(a);
    return n * (8 + 4 + 4 + 4 * t) + 8 * t + 16;
}

/*
 * tsf_rs_pixel_weights - the weights of output pixel o into w[0..count),
 * summing to TSF_RS_ONE; k is scratch for maxtaps doubles.
 */
static inline void tsf_rs_pixel_weights(const struct tsf_rs_axis *a, int64_t o, int64_t first,
                                        uint32_t count, int32_t *w, double *k)
{
    int64_t p = o + a->off;
    int64_t num = (2 * p + 1) * a->n - a->m;
    double den = 2.0 * (double)(a->n > a->m ? a->n : a->m), sum = 0.0;
    if (tsf_rs_support(a) == 0) {
        w[0] = TSF_RS_ONE;
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        double x = (double)(2 * a->m * (first + (int64_t)i) - num) / den;
        k[i] = tsf_rs_kernel_at(a->kernel, x);
        sum += k[i];
    }
    int64_t left = TSF_RS_ONE;
    uint32_t big = 0;
    for (uint32_t i = 0; i < count; i++) {
        double f = sum > 0.0 ? k[i] * (double)TSF_RS_ONE / sum : 0.0;
        double g = f + 0.5;
        int64_t r = (int64_t)g;
        if ((double)r > g)
            r--;
        w[i] = (int32_t)r;
        left -= r;
        if (w[i] > w[big])
            big = i;
    }
    w[big] += (int32_t)left;
}

/*
 * tsf_rs_weights - weights of output pixels [o, o + n) carved from scratch
 * (tsf_rs_weights_bytes(a, n) bytes), their windows in the input range
 * [lo, lo + len); returns the next free byte, or NULL if a tap lies
 * outside that range.
 */
static inline uint8_t *tsf_rs_weights(const struct tsf_rs_axis *a, int64_t o, uint32_t n,
                                      int64_t lo, int64_t len, struct tsf_rs_weights *wt,
                                      uint8_t *scratch)
{
    uint32_t t = tsf_rs_maxtaps(a);
    scratch = (uint8_t *)(((uintptr_t)scratch + 7) & ~(uintptr_t)7);
    double *k = (double *)(void *)scratch;
    wt->first = (int64_t *)(void *)(scratch + 8 * (size_t)t);
    wt->count = (uint32_t *)(void *)(wt->first + n);
    wt->at = wt->count + n;
    wt->w = (int32_t *)(void *)(wt->at + n);
    wt->maxtaps = t;
    wt->taps = 1;
    wt->wabs = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t f, l;
        tsf_rs_taps(a, o + i, &f, &l);
        if (f < lo || l >= lo + len)
            return NULL;
        wt->first[i] = f;
        wt->count[i] = (uint32_t)(l - f + 1);
        wt->taps = wt->count[i] > wt->taps ? wt->count[i] : wt->taps;
    }
    /* the longest pixel's taps are in range, so every window fits */
    for (uint32_t i = 0; i < n; i++) {
        int64_t at = wt->first[i] - lo, abs = 0;
        at = at + wt->taps > len ? len - wt->taps : at;
        int32_t *w = wt->w + (size_t)i * wt->taps;
        for (uint32_t j = 0; j < wt->taps; j++)
            w[j] = 0;
        wt->at[i] = (uint32_t)at;
        w += wt->first[i] - lo - at;
        tsf_rs_pixel_weights(a, o + i, wt->first[i], wt->count[i], w, k);
        for (uint32_t j = 0; j < wt->count[i]; j++)
            abs += w[j] < 0 ? -(int64_t)w[j] : w[j];
        wt->wabs = abs > wt->wabs ? abs : wt->wabs;
    }
    return (uint8_t *)(wt->w + (size_t)n * wt->taps);
}

/*
 * tsf__rs_slots - rows of the horizontal pass tsf_rs_run keeps: twice the
 * most a window reads and some, so that sliding them down is rare.
 */
static inline uint64_t tsf__rs_slots(const struct tsf_rs_call *c)
{
    uint64_t k = 2 * (uint64_t)tsf_rs_maxtaps(&c->ay) + 16;
    return k < c->in_h ? k : c->in_h;
}

/* tsf_rs_scratch - scratch bytes tsf_rs_run needs for this call. */
static inline uint64_t tsf_rs_scratch(const struct tsf_rs_call *c)
{
    return tsf_rs_weights_bytes(&c->ax, c->out_w) + tsf_rs_weights_bytes(&c->ay, c->out_h) +
           tsf__rs_slots(c) * c->out_w * c->ch * 4 + 64;
}

/*
 * tsf__rs_round32, tsf__rs_round64 - floor((x + 2^13) / 2^14), the
 * horizontal pass's rounding, for x + 2^13 < 2^31 (2^63).  The bias makes
 * the shift one of an unsigned number: >> of a negative int is
 * implementation-defined in C.
 */
static inline int32_t tsf__rs_round32(int32_t x)
{
    uint32_t b = (uint32_t)x + 0x80000000u + (1u << (TSF_RS_BITS - TSF_RS_EXTRA - 1));
    return (int32_t)(b >> (TSF_RS_BITS - TSF_RS_EXTRA)) -
           (int32_t)(1u << (31 - (TSF_RS_BITS - TSF_RS_EXTRA)));
}

static inline int32_t tsf__rs_round64(int64_t x)
{
    uint64_t b = (uint64_t)x + 0x8000000000000000u + (1u << (TSF_RS_BITS - TSF_RS_EXTRA - 1));
    return (int32_t)((int64_t)(b >> (TSF_RS_BITS - TSF_RS_EXTRA)) -
                     ((int64_t)1 << (63 - (TSF_RS_BITS - TSF_RS_EXTRA))));
}

/*
 * The horizontal pass, one function per sample type and accumulator,
 * each with a loop per channel count and for 2 and 3 taps (the linear
 * kernel's), so that the loops over channels and taps unroll.
 *
 * 8-bit samples may sum in 32 bits when a pixel's |w| sum to at most
 * 2^23: |sum w v| + 2^13 <= 255 * 2^23 + 2^13 < 2^31, and every partial
 * sum is bounded alike.  Nearest and linear always do (weights >= 0
 * summing to 2^22), and so do cubic (sum |w| at most about 1.2 times
 * 2^22) and lanczos3 (about 1.3); the check is made on each call's
 * weights all the same.  16-bit samples (65535 * 2^22 > 2^31) sum in 64.
 */
#define TSF__RS_HLOOP(T, ACC, RND, CH, K)                                 \
    for (uint32_t x = 0; x < out_w; x++, t += (CH)) {                     \
        const T *p = row + (size_t)h->at[x] * (CH);                       \
        const int32_t *w = h->w + (size_t)x * (K);                        \
        ACC a0 = 0, a1 = 0, a2 = 0, a3 = 0;                               \
        for (uint32_t k = 0; k < (K); k++, p += (CH)) {                   \
            ACC wk = w[k];                                                \
            a0 += wk * p[0];                                              \
            if ((CH) > 1)                                                 \
                a1 += wk * p[1];                                          \
            if ((CH) > 2)                                                 \
                a2 += wk * p[2];                                          \
            if ((CH) > 3)                                                 \
                a3 += wk * p[3];                                          \
        }                                                                 \
        t[0] = RND(a0);                                                   \
        if ((CH) > 1)                                                     \
            t[1] = RND(a1);                                               \
        if ((CH) > 2)                                                     \
            t[2] = RND(a2);                                               \
        if ((CH) > 3)                                                     \
            t[3] = RND(a3);                                               \
    }

#define TSF__RS_HTAPS(T, ACC, RND, CH)                                    \
    if (taps == 2) {                                                      \
        TSF__RS_HLOOP(T, ACC, RND, CH, 2)                                 \
    } else if (taps == 3) {                                               \
        TSF__RS_HLOOP(T, ACC, RND, CH, 3)                                 \
    } else {                                                              \
        TSF__RS_HLOOP(T, ACC, RND, CH, taps)                              \
    }

#define TSF__RS_HDEF(NAME, T, ACC, RND)                                                     \
    static void NAME(const T *row, const struct tsf_rs_weights *h, uint32_t out_w,          \
                     uint32_t ch, int32_t *t)                                               \
    {                                                                                       \
        uint32_t taps = h->taps;                                                            \
        switch (ch) {                                                                       \
        case 1:                                                                             \
            TSF__RS_HTAPS(T, ACC, RND, 1)                                                   \
            break;                                                                          \
        case 2:                                                                             \
            TSF__RS_HTAPS(T, ACC, RND, 2)                                                   \
            break;                                                                          \
        case 3:                                                                             \
            TSF__RS_HTAPS(T, ACC, RND, 3)                                                   \
            break;                                                                          \
        default:                                                                            \
            TSF__RS_HTAPS(T, ACC, RND, 4)                                                   \
            break;                                                                          \
        }                                                                                   \
    }

/* tsf__rs_h8, tsf__rs_h8w, tsf__rs_h16 - a row of t (out_w * ch) from an input row. */
TSF__RS_HDEF(tsf__rs_h8, uint8_t, int32_t, tsf__rs_round32)
TSF__RS_HDEF(tsf__rs_h8w, uint8_t, int64_t, tsf__rs_round64)
TSF__RS_HDEF(tsf__rs_h16, uint16_t, int64_t, tsf__rs_round64)

/* tsf__rs_out - a vertical sum rounded, floor((s + 2^29) / 2^30), clamped to [0, max]. */
static inline int64_t tsf__rs_out(int64_t s, int64_t max)
{
    int64_t y = s + ((int64_t)1 << (TSF_RS_BITS + TSF_RS_EXTRA - 1));
    y = y < 0 ? 0 : y >> (TSF_RS_BITS + TSF_RS_EXTRA);
    return y > max ? max : y;
}

/*
 * The vertical pass: output row o (n samples) from the rows r of t, one
 * loop for 1, 2 and 3 taps where the rows are pointers and the weights
 * locals, and one for any number.  |t| < 2^17 (8-bit) or 2^25 (16-bit)
 * times sum |w| / 2^22, so the sums need 64 bits.
 */
#define TSF__RS_VDEF(NAME, T, MAX)                                                          \
    static void NAME(const int32_t *r, size_t n, const int32_t *w, uint32_t taps, T *o)     \
    {                                                                                       \
        int64_t w0 = w[0], w1 = taps > 1 ? w[1] : 0, w2 = taps > 2 ? w[2] : 0;              \
        if (taps == 1) {                                                                    \
            for (size_t i = 0; i < n; i++)                                                  \
                o[i] = (T)tsf__rs_out(w0 * r[i], MAX);                                      \
        } else if (taps == 2) {                                                             \
            const int32_t *r1 = r + n;                                                      \
            for (size_t i = 0; i < n; i++)                                                  \
                o[i] = (T)tsf__rs_out(w0 * r[i] + w1 * r1[i], MAX);                         \
        } else if (taps == 3) {                                                             \
            const int32_t *r1 = r + n, *r2 = r + 2 * n;                                     \
            for (size_t i = 0; i < n; i++)                                                  \
                o[i] = (T)tsf__rs_out(w0 * r[i] + w1 * r1[i] + w2 * r2[i], MAX);            \
        } else {                                                                            \
            for (size_t i = 0; i < n; i++) {                                                \
                int64_t s = 0;                                                              \
                for (uint32_t k = 0; k < taps; k++)                                         \
                    s += (int64_t)w[k] * r[k * n + i];                                      \
                o[i] = (T)tsf__rs_out(s, MAX);                                              \
            }                                                                               \
        }                                                                                   \
    }

/* tsf__rs_v8, tsf__rs_v16 - an output row of 8- or 16-bit samples. */
TSF__RS_VDEF(tsf__rs_v8, uint8_t, 255)
TSF__RS_VDEF(tsf__rs_v16, uint16_t, 65535)

/* tsf__rs_hrow - the horizontal pass of input row r (from the input's top) into t. */
static inline void tsf__rs_hrow(const struct tsf_rs_call *c, const struct tsf_rs_weights *h,
                                uint32_t r, int32_t *t)
{
    size_t in_n = (size_t)c->in_w * c->ch;
    if (c->depth == 16)
        tsf__rs_h16((const uint16_t *)(const void *)c->in + r * in_n, h, c->out_w, c->ch, t);
    else if (h->wabs <= 2 * (int64_t)TSF_RS_ONE)
        tsf__rs_h8(c->in + r * in_n, h, c->out_w, c->ch, t);
    else
        tsf__rs_h8w(c->in + r * in_n, h, c->out_w, c->ch, t);
}

/*
 * tsf_rs_run - resample c->in into c->out with scratch of tsf_rs_scratch(c)
 * bytes.  Returns 0, or -1 if the input buffer does not hold
 * every tap (the caller's region was wrong).
 *
 * Output rows are made in turn, each input row filtered horizontally just
 * before the first window that reads it, into a buffer of tsf__rs_slots
 * rows (input row base in its first): the rows stay in the cache between
 * the passes, and rows no window reads are skipped.  A window fits the
 * buffer: v.taps is at most maxtaps and at most in_h.
 */
static inline int tsf_rs_run(const struct tsf_rs_call *c, void *scratch)
{
    struct tsf_rs_weights h, v;
    uint8_t *s = tsf_rs_weights(&c->ax, c->out_x, c->out_w, c->in_x, c->in_w, &h, scratch);
    if (s)
        s = tsf_rs_weights(&c->ay, c->out_y, c->out_h, c->in_y, c->in_h, &v, s);
    if (!s)
        return -1;
    int32_t *t = (int32_t *)(void *)(((uintptr_t)s + 7) & ~(uintptr_t)7);
    uint32_t slots = (uint32_t)tsf__rs_slots(c), base = v.at[0], next = v.at[0];
    size_t n = (size_t)c->out_w * c->ch;
    for (uint32_t y = 0; y < c->out_h; y++) {
        uint32_t a = v.at[y], e = a + v.taps; /* v.at is ascending */
        next = next > a ? next : a;
        if (e - base > slots) {
            for (size_t i = 0; i < (next - a) * n; i++)
                t[i] = t[(a - base) * n + i];
            base = a;
        }
        for (; next < e; next++)
            tsf__rs_hrow(c, &h, next, t + (size_t)(next - base) * n);
        const int32_t *w = v.w + (size_t)y * v.taps, *r = t + (size_t)(a - base) * n;
        if (c->depth == 16)
            tsf__rs_v16(r, n, w, v.taps, (uint16_t *)(void *)c->out + (size_t)y * n);
        else
            tsf__rs_v8(r, n, w, v.taps, c->out + (size_t)y * n);
    }
    return 0;
}

#ifdef TSF_H

/* tsf_rs_region - the input rectangle out_rect needs: the union of its taps. */
static inline int32_t tsf_rs_region(const struct tsf_rs_axis *ax, const struct tsf_rs_axis *ay,
                                    const struct tsf_rect *out_rect, struct tsf_rect *in_rect)
{
    int64_t x, y, w, h, lim = (int64_t)1 << 30;
    tsf_rs_span(ax, out_rect->x, out_rect->w, &x, &w);
    tsf_rs_span(ay, out_rect->y, out_rect->h, &y, &h);
    if (x < -lim || y < -lim || x + w > lim || y + h > lim)
        return TSF_EBADARG;
    *in_rect = (struct tsf_rect){(int32_t)x, (int32_t)y, (uint32_t)w, (uint32_t)h};
    return TSF_OK;
}

/* tsf_rs_process - resample the call's input into its output along ax, ay. */
static inline int32_t tsf_rs_process(const struct tsf_call *c, const struct tsf_rs_axis *ax,
                                     const struct tsf_rs_axis *ay)
{
    struct tsf_rs_call r = {c->in, c->in_rect.x, c->in_rect.y, c->in_w, c->in_h,
                            c->out, c->out_rect.x, c->out_rect.y, c->out_w, c->out_h,
                            c->ch, c->depth, *ax, *ay};
    void *scratch = tsf_alloc_ptr(tsf_rs_scratch(&r));
    if (!scratch)
        return TSF_ENOMEM;
    return tsf_rs_run(&r, scratch) == 0 ? TSF_OK : TSF_EBADARG;
}

#endif /* TSF_H */

#endif /* TSF_RESAMPLE_H */
