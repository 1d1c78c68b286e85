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
 *	round(x / 2^k) = floor((x + 2^(k-1)) / 2^k), in 64-bit integers.
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

/* Weights of a run of output pixels on one axis. */
struct tsf_rs_weights {
    int64_t *first;     /* absolute index of each pixel's first tap */
    uint32_t *count;    /* its number of taps */
    int32_t *w;         /* maxtaps weights per pixel */
    uint32_t maxtaps;
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
    return n * (8 + 4 + 4 * t) + 8 * t + 16;
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
 * (tsf_rs_weights_bytes(a, n) bytes); returns the next free byte.
 */
static inline uint8_t *tsf_rs_weights(const struct tsf_rs_axis *a, int64_t o, uint32_t n,
                                      struct tsf_rs_weights *wt, uint8_t *scratch)
{
    uint32_t t = tsf_rs_maxtaps(a);
    scratch = (uint8_t *)(((uintptr_t)scratch + 7) & ~(uintptr_t)7);
    double *k = (double *)(void *)scratch;
    wt->first = (int64_t *)(void *)(scratch + 8 * (size_t)t);
    wt->count = (uint32_t *)(void *)(wt->first + n);
    wt->w = (int32_t *)(void *)(wt->count + n);
    wt->maxtaps = t;
    for (uint32_t i = 0; i < n; i++) {
        int64_t f, l;
        tsf_rs_taps(a, o + i, &f, &l);
        wt->first[i] = f;
        wt->count[i] = (uint32_t)(l - f + 1);
        tsf_rs_pixel_weights(a, o + i, f, wt->count[i], wt->w + (size_t)i * t, k);
    }
    return (uint8_t *)(wt->w + (size_t)n * t);
}

/* tsf_rs_scratch - scratch bytes tsf_rs_run needs for this call. */
static inline uint64_t tsf_rs_scratch(const struct tsf_rs_call *c)
{
    return tsf_rs_weights_bytes(&c->ax, c->out_w) + tsf_rs_weights_bytes(&c->ay, c->out_h) +
           (uint64_t)c->in_h * c->out_w * c->ch * 4 + 64;
}

/* tsf__rs_row - the horizontal pass over one input row into t (out_w * ch). */
static inline void tsf__rs_row(const struct tsf_rs_call *c, const struct tsf_rs_weights *h,
                               uint32_t row, int32_t *t)
{
    uint32_t ch = c->ch;
    size_t base = (size_t)row * c->in_w;
    for (uint32_t x = 0; x < c->out_w; x++) {
        const int32_t *w = h->w + (size_t)x * h->maxtaps;
        size_t s = base + (size_t)(h->first[x] - c->in_x);
        int64_t acc[4] = {0, 0, 0, 0};
        if (c->depth == 16) {
            const uint16_t *p = (const uint16_t *)(const void *)c->in + s * ch;
            for (uint32_t k = 0; k < h->count[x]; k++, p += ch)
                for (uint32_t j = 0; j < ch; j++)
                    acc[j] += (int64_t)w[k] * p[j];
        } else {
            const uint8_t *p = c->in + s * ch;
            for (uint32_t k = 0; k < h->count[x]; k++, p += ch)
                for (uint32_t j = 0; j < ch; j++)
                    acc[j] += (int64_t)w[k] * p[j];
        }
        for (uint32_t j = 0; j < ch; j++)
            t[x * ch + j] = (int32_t)tsf_rs_round_shift(acc[j], TSF_RS_BITS - TSF_RS_EXTRA);
    }
}

/* tsf__rs_column - the vertical pass for output row y from the rows t. */
static inline void tsf__rs_column(const struct tsf_rs_call *c, const struct tsf_rs_weights *v,
                                  uint32_t y, const int32_t *t, size_t first)
{
    uint32_t n = c->out_w * c->ch;
    int64_t max = c->depth == 16 ? 65535 : 255;
    const int32_t *w = v->w + (size_t)y * v->maxtaps;
    const int32_t *rows = t + first * n;
    for (uint32_t i = 0; i < n; i++) {
        int64_t acc = 0;
        for (uint32_t k = 0; k < v->count[y]; k++)
            acc += (int64_t)w[k] * rows[(size_t)k * n + i];
        int64_t r = tsf_rs_round_shift(acc, TSF_RS_BITS + TSF_RS_EXTRA);
        r = r < 0 ? 0 : r > max ? max : r;
        if (c->depth == 16)
            ((uint16_t *)(void *)c->out)[(size_t)y * n + i] = (uint16_t)r;
        else
            c->out[(size_t)y * n + i] = (uint8_t)r;
    }
}

/*
 * tsf_rs_run - resample c->in into c->out with scratch of tsf_rs_scratch(c)
 * bytes.  Returns 0, or -1 if the input buffer does not hold
 * every tap (the caller's region was wrong).
 */
static inline int tsf_rs_run(const struct tsf_rs_call *c, void *scratch)
{
    struct tsf_rs_weights h, v;
    uint8_t *s = tsf_rs_weights(&c->ax, c->out_x, c->out_w, &h, scratch);
    s = tsf_rs_weights(&c->ay, c->out_y, c->out_h, &v, s);
    int32_t *t = (int32_t *)(void *)(((uintptr_t)s + 7) & ~(uintptr_t)7);
    int64_t x0 = h.first[0], x1 = h.first[c->out_w - 1] + h.count[c->out_w - 1];
    int64_t y0 = v.first[0], y1 = v.first[c->out_h - 1] + v.count[c->out_h - 1];
    if (x0 < c->in_x || x1 > c->in_x + c->in_w || y0 < c->in_y || y1 > c->in_y + c->in_h)
        return -1;
    size_t n = (size_t)c->out_w * c->ch;
    for (int64_t r = y0; r < y1; r++)
        tsf__rs_row(c, &h, (uint32_t)(r - c->in_y), t + (size_t)(r - y0) * n);
    for (uint32_t y = 0; y < c->out_h; y++)
        tsf__rs_column(c, &v, y, t, (size_t)(v.first[y] - y0));
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
