/*
 * convolve.c - the convolve filter: a 3x3 integer kernel.
 *
 * With k0..k8 the kernel row by row (k0 at the top left, k4 the centre,
 * each rounded), S the sum of k times the samples of the 3x3 square
 * around a pixel, d the divisor and o the offset (both rounded):
 *     out = clamp(trunc((S + floor(d / 2)) / d) + o)
 * where trunc is C's integer division, towards zero, and clamp is to
 * [0, 255] (or [0, 65535] for 16-bit samples).  That is exactly libvips'
 * integer convolution (vips conv --precision integer with the same mask,
 * scale d and offset o, and its vector path off): round half up where
 * S + floor(d / 2) >= 0, and a negative sum's quotient rounded towards
 * zero.  divisor 0 means the kernel's sum, or 1 when that sum is not
 * positive, so a blur kernel keeps the image's brightness.  Every
 * channel is convolved, alpha too, as libvips does.  Halo 1: the host
 * replicates the edge pixels into it.
 *
 * |S| < 9 * 255 * 65535 + 32767 < 2^28, so sums fit an int32 and the
 * division is a multiply by a reciprocal that is exact below 2^28, on
 * |S + floor(d / 2)| with the sign put back, without branches.  A row is
 * done a channel at a time, the 3x3 window moving along in locals.
 */
#include "tsf.h"

#define PARAMS(X)                                                                \
    X(k0, 0, -255, 255, "kernel, top row, left")                                 \
    X(k1, 0, -255, 255, "kernel, top row, middle")                               \
    X(k2, 0, -255, 255, "kernel, top row, right")                                \
    X(k3, 0, -255, 255, "kernel, middle row, left")                              \
    X(k4, 1, -255, 255, "kernel, centre")                                        \
    X(k5, 0, -255, 255, "kernel, middle row, right")                             \
    X(k6, 0, -255, 255, "kernel, bottom row, left")                              \
    X(k7, 0, -255, 255, "kernel, bottom row, middle")                            \
    X(k8, 0, -255, 255, "kernel, bottom row, right")                             \
    X(divisor, 1, 0, 65535, "divide the weighted sum by this; 0 = the kernel's sum") \
    X(offset, 0, -65535, 65535, "added after the division, before clamping")

TSF_FILTER2("convolve",
            "3x3 integer kernel: (sum + divisor/2) / divisor + offset, as libvips "
            "conv --precision integer; all channels including alpha",
            "neighborhood", "[1,2,3,4]", "[8,16]", PARAMS, TSF_NO_CHOICES);

/* Quotients are exact for numerators below 2^DIV_BITS. */
#define DIV_BITS 28

/* The kernel and the division, from the params. */
struct conv {
    int32_t k[9];
    int32_t half, offset, max;
    uint64_t mul;   /* floor(x / d) == (x * mul) >> shift for 0 <= x < 2^DIV_BITS */
    uint32_t shift;
};

static int32_t filter_halo(const float *p)
{
    (void)p;
    return 1;
}

/* conv_make - the kernel, divisor and offset of params p for samples up to max. */
static void conv_make(struct conv *cv, const float *p, int32_t max)
{
    int32_t sum = 0, d = tsf_round_i(p[P_divisor]);
    uint32_t l = 0;
    for (int i = 0; i < 9; i++) {
        cv->k[i] = tsf_round_i(p[P_k0 + i]);
        sum += cv->k[i];
    }
    if (d == 0)
        d = sum > 0 ? sum : 1;
    while ((1u << l) < (uint32_t)d)
        l++;
    /* Granlund and Montgomery, as box_blur: mul * d - 2^shift <= d <= 2^l */
    cv->shift = DIV_BITS + l;
    cv->mul = ((uint64_t)1 << cv->shift) / (uint32_t)d + 1;
    cv->half = d / 2;
    cv->offset = tsf_round_i(p[P_offset]);
    cv->max = max;
}

/* conv_out - the output sample for weighted sum s: divided, offset, clamped. */
static inline int32_t conv_out(const struct conv *cv, int32_t s)
{
    int32_t x = s + cv->half;
    /* trunc(x / d) = sign(x) floor(|x| / d), without a branch: m is 0 or -1 */
    uint32_t m = 0u - ((uint32_t)x >> 31), ax = ((uint32_t)x ^ m) - m;
    uint32_t qa = (uint32_t)(((uint64_t)ax * cv->mul) >> cv->shift);
    int32_t q = (int32_t)((qa ^ m) - m) + cv->offset;
    return q < 0 ? 0 : q > cv->max ? cv->max : q;
}

/*
 * conv_lut - a table of conv_out over every sum 8-bit samples can give,
 * indexed by the sum, or NULL when it would have more entries than
 * CONV_LUT_MAX or than the call has samples.  The clamp is a branch after
 * translation, and a sharpening kernel on a noisy image clips about as
 * often as not: one load beats the division, the clamp and a
 * mispredicted branch.
 */
#define CONV_LUT_MAX 32768

static const uint8_t *conv_lut(const struct conv *cv, uint64_t samples)
{
    int32_t lo = 0, hi = 0;
    for (int i = 0; i < 9; i++)
        if (cv->k[i] < 0)
            lo += 255 * cv->k[i];
        else
            hi += 255 * cv->k[i];
    uint64_t n = (uint64_t)(hi - lo) + 1;
    uint8_t *t = n <= CONV_LUT_MAX && n <= samples ? tsf_alloc_ptr(n) : NULL;
    if (!t)
        return NULL;
    for (int32_t s = lo; s <= hi; s++)
        t[s - lo] = (uint8_t)conv_out(cv, s);
    return t - lo;
}

/*
 * conv_chan - one channel of an output row of w pixels: a, b and c are
 * that channel's sample one pixel left of the first output pixel in the
 * three input rows, samples of a pixel ch apart.  The window's columns
 * move along in locals, so each step loads three samples, not nine.
 */
static void conv_chan(const struct conv *cv, const uint8_t *lut, const uint8_t *a,
                      const uint8_t *b, const uint8_t *c, uint8_t *d, uint32_t w, uint32_t ch)
{
    const int32_t *k = cv->k;
    int32_t k0 = k[0], k1 = k[1], k2 = k[2], k3 = k[3], k4 = k[4], k5 = k[5];
    int32_t k6 = k[6], k7 = k[7], k8 = k[8];
    int32_t a0 = a[0], a1 = a[ch], b0 = b[0], b1 = b[ch], c0 = c[0], c1 = c[ch];
    for (uint32_t x = 0; x < w; x++) {
        size_t i = (size_t)(x + 2) * ch;
        int32_t a2 = a[i], b2 = b[i], c2 = c[i];
        int32_t s = k0 * a0 + k1 * a1 + k2 * a2 + k3 * b0 + k4 * b1 + k5 * b2 + k6 * c0 +
                    k7 * c1 + k8 * c2;
        d[(size_t)x * ch] = lut ? lut[s] : (uint8_t)conv_out(cv, s);
        a0 = a1, a1 = a2, b0 = b1, b1 = b2, c0 = c1, c1 = c2;
    }
}

/*
 * conv_chan_sym - conv_chan for a kernel symmetric under the square's
 * rotations and mirrors (corners alike, edge middles alike: sharpen, box,
 * Laplacian): S = corner (a0 + a2 + c0 + c2) + edge (a1 + b0 + b2 + c1) +
 * centre b1, the same integer as the nine products, from three.  Each
 * column's top plus bottom is kept, so a step adds up little.
 */
static void conv_chan_sym(const struct conv *cv, const uint8_t *lut, const uint8_t *a,
                          const uint8_t *b, const uint8_t *c, uint8_t *d, uint32_t w,
                          uint32_t ch)
{
    int32_t kc = cv->k[0], ke = cv->k[1], k4 = cv->k[4];
    int32_t p0 = a[0] + c[0], p1 = a[ch] + c[ch], b0 = b[0], b1 = b[ch];
    for (uint32_t x = 0; x < w; x++) {
        size_t i = (size_t)(x + 2) * ch;
        int32_t p2 = a[i] + c[i], b2 = b[i];
        int32_t s = kc * (p0 + p2) + ke * (p1 + b0 + b2) + k4 * b1;
        d[(size_t)x * ch] = lut ? lut[s] : (uint8_t)conv_out(cv, s);
        p0 = p1, p1 = p2, b0 = b1, b1 = b2;
    }
}

/* conv_sym - whether the kernel has the symmetry conv_chan_sym needs. */
static int conv_sym(const struct conv *cv)
{
    const int32_t *k = cv->k;
    return k[2] == k[0] && k[6] == k[0] && k[8] == k[0] && k[3] == k[1] && k[5] == k[1] &&
           k[7] == k[1];
}

/* conv_chan16 - conv_chan for 16-bit samples. */
static void conv_chan16(const struct conv *cv, const uint16_t *a, const uint16_t *b,
                        const uint16_t *c, uint16_t *d, uint32_t w, uint32_t ch)
{
    const int32_t *k = cv->k;
    int32_t a0 = a[0], a1 = a[ch], b0 = b[0], b1 = b[ch], c0 = c[0], c1 = c[ch];
    for (uint32_t x = 0; x < w; x++) {
        size_t i = (size_t)(x + 2) * ch;
        int32_t a2 = a[i], b2 = b[i], c2 = c[i];
        int32_t s = k[0] * a0 + k[1] * a1 + k[2] * a2 + k[3] * b0 + k[4] * b1 + k[5] * b2 +
                    k[6] * c0 + k[7] * c1 + k[8] * c2;
        d[(size_t)x * ch] = (uint16_t)conv_out(cv, s);
        a0 = a1, a1 = a2, b0 = b1, b1 = b2, c0 = c1, c1 = c2;
    }
}

static int32_t filter_process(const struct tsf_call *c)
{
    struct conv cv;
    uint32_t ch = c->ch, n = c->out_w * ch, stride = c->in_w * ch;
    conv_make(&cv, c->p, (int32_t)tsf_sample_max(c->depth));
    int sym = conv_sym(&cv);
    const uint8_t *lut = c->depth == 8 ? conv_lut(&cv, (uint64_t)n * c->out_h) : NULL;
    for (uint32_t y = 0; y < c->out_h; y++)
        for (uint32_t k = 0; k < ch; k++) {
            if (c->depth == 16) {
                const uint16_t *r = tsf_in16(c) + (size_t)y * stride + k;
                conv_chan16(&cv, r, r + stride, r + 2 * stride,
                            tsf_out16(c) + (size_t)y * n + k, c->out_w, ch);
            } else if (sym) {
                const uint8_t *r = c->in + (size_t)y * stride + k;
                conv_chan_sym(&cv, lut, r, r + stride, r + 2 * stride,
                              c->out + (size_t)y * n + k, c->out_w, ch);
            } else {
                const uint8_t *r = c->in + (size_t)y * stride + k;
                conv_chan(&cv, lut, r, r + stride, r + 2 * stride, c->out + (size_t)y * n + k,
                          c->out_w, ch);
            }
        }
    return TSF_OK;
}
