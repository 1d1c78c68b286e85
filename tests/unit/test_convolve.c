/*
 * test_convolve.c - unit tests of the convolve filter on its native build
 * (build/native/convolve.so), driven through the ABI version 2 exports.
 *
 * The expected pixels come from a direct computation here, written from
 * the filter's documented formula (the libvips integer rule):
 *     out = clamp(trunc((S + floor(d / 2)) / d) + offset)
 * with the input replicate-padded at the image's edges.  Checked: the
 * describe JSON and halo, the default kernel as the identity, random
 * kernels, divisors (0 taking the kernel's sum) and offsets on random
 * images of every channel count at both depths, kernels on images large
 * enough for the 8-bit output table, the largest sums without
 * overflow, tiles equal to the whole image, and the version 1 call equal
 * to version 2.
 */
#include "check.h"

#include "sdk_call.h"

#include <stdlib.h>
#include <string.h>

enum { NPARAMS = 11, P_DIV = 9, P_OFF = 10 };

/* sample - sample c of pixel (x, y) of im, coordinates clamped into it. */
static int32_t sample(const struct img *im, int32_t x, int32_t y, int32_t c)
{
    x = x < 0 ? 0 : x >= im->w ? im->w - 1 : x;
    y = y < 0 ? 0 : y >= im->h ? im->h - 1 : y;
    size_t i = ((size_t)y * im->w + x) * im->ch + c;
    return im->depth == 16 ? s16(im->px, i) : im->px[i];
}

/* expect - the filter's output for params p on the whole of src, malloc'd. */
static uint8_t *expect(const struct img *src, const float *p)
{
    int32_t k[9], sum = 0, d = (int32_t)p[P_DIV], off = (int32_t)p[P_OFF];
    int32_t max = src->depth == 16 ? 65535 : 255;
    for (int i = 0; i < 9; i++)
        sum += k[i] = (int32_t)p[i];
    if (d == 0)
        d = sum > 0 ? sum : 1;
    uint8_t *out = malloc((size_t)src->w * src->h * bpp(src));
    if (!out)
        abort();
    for (int32_t y = 0; y < src->h; y++)
        for (int32_t x = 0; x < src->w; x++)
            for (int32_t c = 0; c < src->ch; c++) {
                int32_t s = 0;
                for (int32_t j = 0; j < 9; j++)
                    s += k[j] * sample(src, x + j % 3 - 1, y + j / 3 - 1, c);
                int32_t v = (s + d / 2) / d + off;
                v = v < 0 ? 0 : v > max ? max : v;
                size_t i = ((size_t)y * src->w + x) * src->ch + c;
                if (src->depth == 16) {
                    uint16_t v16 = (uint16_t)v;
                    memcpy(out + 2 * i, &v16, 2);
                } else {
                    out[i] = (uint8_t)v;
                }
            }
    return out;
}

/* run_whole - the filter on the whole of src in a fresh arena; rc, pixels in *got. */
static int32_t run_whole(struct mod *m, const struct img *src, const float *p, uint8_t **got)
{
    int32_t r[4] = {0, 0, src->w, src->h};
    size_t n;
    m->reset();
    return run_rect(m, src, params(m, p, NPARAMS), r, got, &n);
}

/* same_as_expected - one check: the filter's output on src equals expect(). */
static void same_as_expected(struct mod *m, const struct img *src, const float *p,
                             const char *name)
{
    uint8_t *got = NULL, *want = expect(src, p);
    size_t n = (size_t)src->w * src->h * bpp(src), diff = 0, at = 0;
    int32_t rc = run_whole(m, src, p, &got);
    for (size_t i = 0; rc == OK && i < n; i++)
        if (got[i] != want[i] && diff++ == 0)
            at = i;
    CHECK(rc == OK && diff == 0, name, "rc %d, %zu bytes differ, first at byte %zu", rc, diff,
          at);
    free(got);
    free(want);
}

/* identity_params - the defaults: k4 1, the rest 0, divisor 1, offset 0. */
static void identity_params(float *p)
{
    memset(p, 0, NPARAMS * sizeof *p);
    p[4] = 1;
    p[P_DIV] = 1;
}

/* test_describe - name, params, depths, halo 1. */
static void test_describe(struct mod *m)
{
    const char *j = (const char *)m->base + m->describe();
    CHECK(strstr(j, "\"name\":\"convolve\"") && strstr(j, "\"kind\":\"neighborhood\"") &&
              strstr(j, "\"depths\":[8,16]") && strstr(j, "\"channels\":[1,2,3,4]") &&
              strstr(j, "{\"name\":\"k4\",\"default\":1,\"min\":-255,\"max\":255") &&
              strstr(j, "{\"name\":\"divisor\",\"default\":1,\"min\":0,\"max\":65535") &&
              strstr(j, "{\"name\":\"offset\",\"default\":0,\"min\":-65535,\"max\":65535"),
          "convolve: describe has its kind, depths, kernel, divisor and offset", "json %s", j);
    float p[NPARAMS];
    identity_params(p);
    m->reset();
    CHECK(halo_of(m, params(m, p, NPARAMS)) == 1, "convolve: halo 1", "halo %d",
          halo_of(m, params(m, p, NPARAMS)));
}

/* test_identity - the default kernel copies every channel count and depth. */
static void test_identity(struct mod *m)
{
    float p[NPARAMS];
    identity_params(p);
    for (int32_t depth = 8; depth <= 16; depth += 8)
        for (int32_t ch = 1; ch <= 4; ch++) {
            struct img src = img_new(23, 17, ch, depth, -1);
            uint8_t *got = NULL;
            int32_t rc = run_whole(m, &src, p, &got);
            char name[96];
            snprintf(name, sizeof name, "convolve: defaults copy %d channel(s), %d-bit", ch,
                     depth);
            CHECK(rc == OK && memcmp(got, src.px, (size_t)src.w * src.h * bpp(&src)) == 0, name,
                  "rc %d", rc);
            free(got);
            free(src.px);
        }
}

/* test_random - random kernels, divisors and offsets against expect(). */
static void test_random(struct mod *m)
{
    static const int32_t divs[] = {1, 2, 3, 8, 9, 255, 65535, 0};
    float p[NPARAMS];
    for (int round = 0; round < 48; round++) {
        int32_t ch = 1 + round % 4, depth = round % 8 < 4 ? 8 : 16;
        /* small kernels make sums near zero, where the rounding shows */
        int32_t span = round % 3 == 0 ? 511 : round % 3 == 1 ? 33 : 5;
        for (int i = 0; i < 9; i++)
            p[i] = (float)((int32_t)(rnd() % (uint32_t)span) - span / 2);
        p[P_DIV] = (float)divs[round % 8];
        int32_t omax = depth == 16 ? 65535 : 300;
        p[P_OFF] = (float)((int32_t)(rnd() % (uint32_t)(2 * omax + 1)) - omax);
        if (round % 5 == 0)
            p[P_OFF] = 0;
        struct img src = img_new(19 + round % 7, 11 + round % 5, ch, depth, -1);
        char name[128];
        snprintf(name, sizeof name, "convolve: random kernel %d, %d channel(s), %d-bit, "
                 "divisor %d, offset %d", round, ch, depth, (int)p[P_DIV], (int)p[P_OFF]);
        same_as_expected(m, &src, p, name);
        free(src.px);
    }
}

/*
 * test_table - 8-bit images with more samples than the kernel has sums,
 * so that the filter tabulates its outputs: symmetric kernels (its three
 * product path) and others, the sharpening kernel on random samples
 * (clipped both ways), against expect().
 */
static void test_table(struct mod *m)
{
    static const int32_t divs[] = {1, 3, 8, 0};
    static const float sharp[9] = {-1, -1, -1, -1, 16, -1, -1, -1, -1};
    float p[NPARAMS];
    for (int round = 0; round < 16; round++) {
        int32_t ch = 1 + round % 4, corner = (int32_t)(rnd() % 5) - 2;
        int32_t edge = (int32_t)(rnd() % 5) - 2, centre = (int32_t)(rnd() % 17) - 4;
        for (int i = 0; i < 9; i++)
            p[i] = round % 2 ? (float)((int32_t)(rnd() % 5) - 2)
                   : (float)(i == 4 ? centre : i % 2 ? edge : corner);
        if (round == 0)
            memcpy(p, sharp, sizeof sharp);
        p[P_DIV] = (float)(round == 0 ? 8 : divs[round % 4]);
        p[P_OFF] = round < 4 ? 0 : (float)((int32_t)(rnd() % 601) - 300);
        struct img src = img_new(113, 71, ch, 8, -1);
        char name[128];
        snprintf(name, sizeof name, "convolve: tabulated, %s kernel %d, %d channel(s), "
                 "divisor %d, offset %d", round % 2 ? "any" : "symmetric", round, ch,
                 (int)p[P_DIV], (int)p[P_OFF]);
        same_as_expected(m, &src, p, name);
        free(src.px);
    }
}

/* test_extremes - the largest sums, both signs, and a kernel summing to 0 with divisor 0. */
static void test_extremes(struct mod *m)
{
    float p[NPARAMS];
    for (int32_t depth = 8; depth <= 16; depth += 8)
        for (int sign = -1; sign <= 1; sign += 2) {
            struct img src = img_new(9, 7, 2, depth, depth == 16 ? 65535 : 255);
            for (int i = 0; i < 9; i++)
                p[i] = (float)(255 * sign);
            p[P_DIV] = 1;
            p[P_OFF] = sign > 0 ? -65535 : 65535;
            char name[96];
            snprintf(name, sizeof name, "convolve: every weight %d on white, %d-bit", 255 * sign,
                     depth);
            same_as_expected(m, &src, p, name);
            /* the same random image with divisor 0: the kernel's sum, or 1 */
            free(src.px);
            src = img_new(9, 7, 3, depth, -1);
            p[P_DIV] = 0;
            p[P_OFF] = 0;
            snprintf(name, sizeof name, "convolve: divisor 0 with weights %d, %d-bit", 255 * sign,
                     depth);
            same_as_expected(m, &src, p, name);
            free(src.px);
        }
    /* a Laplacian sums to 0: divisor 0 divides by 1 */
    static const float lap[9] = {0, -1, 0, -1, 4, -1, 0, -1, 0};
    memcpy(p, lap, sizeof lap);
    p[P_DIV] = 0;
    p[P_OFF] = 128;
    struct img src = img_new(31, 13, 1, 8, -1);
    same_as_expected(m, &src, p, "convolve: Laplacian, divisor 0 is 1, offset 128");
    free(src.px);
}

/* test_tiles - tiles of several sizes give the whole image's bytes; v1 too. */
static void test_tiles(struct mod *m)
{
    static const float sharp[NPARAMS] = {-1, -1, -1, -1, 16, -1, -1, -1, -1, 8, 0};
    static const int32_t sizes[][2] = {{1, 1}, {7, 3}, {16, 5}, {40, 40}};
    for (int32_t depth = 8; depth <= 16; depth += 8) {
        struct img src = img_new(37, 29, 4, depth, -1);
        uint8_t *whole = NULL, *tile = NULL;
        size_t b = bpp(&src), tn;
        int32_t rc = run_whole(m, &src, sharp, &whole);
        for (int s = 0; s < 4; s++) {
            int32_t tw = sizes[s][0], th = sizes[s][1], trc = OK;
            size_t diff = 0;
            for (int32_t y = 0; y < src.h; y += th)
                for (int32_t x = 0; x < src.w; x += tw) {
                    int32_t r[4] = {x, y, x + tw > src.w ? src.w - x : tw,
                                    y + th > src.h ? src.h - y : th};
                    m->reset();
                    int32_t rc1 = run_rect(m, &src, params(m, sharp, NPARAMS), r, &tile, &tn);
                    trc = trc != OK ? trc : rc1;
                    for (int32_t j = 0; rc1 == OK && j < r[3]; j++)
                        diff += memcmp(tile + (size_t)j * r[2] * b,
                                       whole + ((size_t)(y + j) * src.w + x) * b,
                                       (size_t)r[2] * b) != 0;
                    free(tile);
                }
            char name[96];
            snprintf(name, sizeof name, "convolve %d-bit: tiles of %dx%d give the whole image",
                     depth, tw, th);
            CHECK(rc == OK && trc == OK && diff == 0, name, "rc %d/%d, %zu rows differ", rc, trc,
                  diff);
        }
        if (depth == 8) {
            m->reset();
            int32_t rc1 = run_v1(m, &src, params(m, sharp, NPARAMS), 1, &tile);
            CHECK(rc1 == OK && memcmp(tile, whole, (size_t)src.w * src.h * b) == 0,
                  "convolve: tsf_process (ABI v1) gives tsf_run's bytes", "rc %d", rc1);
            free(tile);
        }
        free(whole);
        free(src.px);
    }
}

int main(void)
{
    struct mod m;
    if (find_native() < 0) {
        CHECK(0, "find build/native", "no build/native/identity.so near this program");
        CHECK_DONE();
    }
    if (mod_open(&m, "convolve") < 0)
        CHECK_DONE();
    test_describe(&m);
    test_identity(&m);
    test_random(&m);
    test_table(&m);
    test_extremes(&m);
    test_tiles(&m);
    mod_close(&m);
    CHECK_DONE();
}
