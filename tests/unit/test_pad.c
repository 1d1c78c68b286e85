/*
 * test_pad.c - unit tests for replicate padding (pad.h).
 *
 * pad_replicate is compared with a reference that computes every pixel
 * of the padded buffer directly: a pixel at image coordinate (x, y) takes
 * the value the unpadded buffer has at (clamp(x, 0, W-1), clamp(y, 0,
 * H-1)).  Buffers are random; placements cover rectangles inside the
 * image, touching or crossing each side, larger than the image on every
 * side, 1x1 images, a 1-pixel overlap, far-away coordinates, and a few
 * thousand random ones, with 1 to 4 channels.
 */
#include "pad.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rng = 0x9e3779b9u;

/* rnd - the next xorshift32 number. */
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* reference - the expected padded buffer from the original one. */
static void reference(const uint8_t *orig, uint8_t *want, const struct pad_rect *r, int ch,
                      uint32_t W, uint32_t H)
{
    for (uint32_t by = 0; by < r->h; by++)
        for (uint32_t bx = 0; bx < r->w; bx++) {
            int64_t ix = r->x + bx, iy = r->y + by;
            int64_t sx = clamp(ix, 0, (int64_t)W - 1) - r->x;
            int64_t sy = clamp(iy, 0, (int64_t)H - 1) - r->y;
            memcpy(want + ((size_t)by * r->w + bx) * ch, orig + ((size_t)sy * r->w + sx) * ch,
                   (size_t)ch);
        }
}

/* try_one - pad a random buffer placed at r; returns 1 if it matches the
 * reference, and describes the first difference into why. */
static int try_one(const struct pad_rect *r, int ch, uint32_t W, uint32_t H, char *why,
                   size_t n)
{
    size_t len = (size_t)r->w * r->h * ch;
    uint8_t *orig = malloc(len), *buf = malloc(len), *want = malloc(len);
    if (!orig || !buf || !want) {
        free(orig), free(buf), free(want);
        snprintf(why, n, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        orig[i] = (uint8_t)rnd();
    memcpy(buf, orig, len);
    reference(orig, want, r, ch, W, H);
    pad_replicate(buf, r, ch, W, H);
    int ok = memcmp(buf, want, len) == 0;
    if (!ok) {
        size_t i = 0;
        while (buf[i] == want[i])
            i++;
        snprintf(why, n,
                 "rect (%lld,%lld) %ux%u ch %d image %ux%u: first difference at buffer "
                 "pixel (%zu,%zu) channel %zu: %u, want %u",
                 (long long)r->x, (long long)r->y, r->w, r->h, ch, W, H, (i / ch) % r->w,
                 (i / ch) / r->w, i % ch, buf[i], want[i]);
    }
    free(orig);
    free(buf);
    free(want);
    return ok;
}

struct placement {
    const char *name;
    int64_t x, y;
    uint32_t w, h, W, H;
};

static void test_placements(void)
{
    static const struct placement p[] = {
        {"fully inside", 2, 3, 4, 5, 10, 12},
        {"exactly the image", 0, 0, 10, 12, 10, 12},
        {"crossing the left side", -3, 2, 6, 4, 10, 12},
        {"crossing the right side", 7, 2, 6, 4, 10, 12},
        {"crossing the top", 2, -4, 5, 6, 10, 12},
        {"crossing the bottom", 2, 9, 5, 6, 10, 12},
        {"touching the left side from inside", 0, 2, 4, 4, 10, 12},
        {"touching the right side from inside", 6, 2, 4, 4, 10, 12},
        {"touching the top from inside", 3, 0, 4, 4, 10, 12},
        {"touching the bottom from inside", 3, 8, 4, 4, 10, 12},
        {"top-left corner", -5, -5, 8, 8, 10, 12},
        {"top-right corner", 7, -5, 8, 8, 10, 12},
        {"bottom-left corner", -5, 9, 8, 8, 10, 12},
        {"bottom-right corner", 7, 9, 8, 8, 10, 12},
        {"larger than the image on all sides", -7, -9, 25, 30, 10, 12},
        {"1x1 image, halo around it", -4, -4, 9, 9, 1, 1},
        {"1x1 image, 1x1 buffer", 0, 0, 1, 1, 1, 1},
        {"1x1 image, wide buffer", -10, 0, 21, 1, 1, 1},
        {"1x1 image, tall buffer", 0, -10, 1, 21, 1, 1},
        {"1-pixel overlap at the left", -8, 0, 9, 3, 5, 3},
        {"1-pixel overlap at the right", 4, 0, 9, 3, 5, 3},
        {"1-pixel overlap at the bottom-right", 4, 2, 9, 9, 5, 3},
        {"single row image", -3, -3, 10, 7, 4, 1},
        {"single column image", -3, -3, 7, 10, 1, 4},
        {"far from the origin", 4294967280ll, 100, 20, 5, 4294967295u, 103},
    };
    char name[160], why[256];

    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        for (int ch = 1; ch <= 4; ch++) {
            struct pad_rect r = {p[i].x, p[i].y, p[i].w, p[i].h};
            int ok = try_one(&r, ch, p[i].W, p[i].H, why, sizeof why);
            snprintf(name, sizeof name, "pad_replicate %s, %d channel%s", p[i].name, ch,
                     ch > 1 ? "s" : "");
            CHECK(ok, name, "%s", why);
        }
}

static void test_random(void)
{
    char why[256];
    int tried = 0, failed = 0;
    char first[256] = "";

    for (int i = 0; i < 4000; i++) {
        uint32_t W = 1 + rnd() % 16, H = 1 + rnd() % 16;
        uint32_t w = 1 + rnd() % 24, h = 1 + rnd() % 24;
        /* any placement whose inside part is not empty */
        int64_t x = (int64_t)(rnd() % (W + w - 1)) - (int64_t)w + 1;
        int64_t y = (int64_t)(rnd() % (H + h - 1)) - (int64_t)h + 1;
        int ch = 1 + (int)(rnd() % 4);
        struct pad_rect r = {x, y, w, h};
        tried++;
        if (!try_one(&r, ch, W, H, why, sizeof why) && failed++ == 0)
            snprintf(first, sizeof first, "%s", why);
    }
    CHECK(failed == 0, "pad_replicate on 4000 random placements", "%d of %d differ; first: %s",
          failed, tried, first);
}

static void test_touches(void)
{
    static const struct {
        const char *name;
        int64_t x, y;
        uint32_t w, h;
        int want;
    } t[] = {
        {"inside", 1, 1, 3, 3, 0},
        {"exactly the image", 0, 0, 10, 8, 0},
        {"touching the right and bottom edges from inside", 5, 4, 5, 4, 0},
        {"x = -1", -1, 1, 3, 3, 1},
        {"y = -1", 1, -1, 3, 3, 1},
        {"one past the right edge", 6, 1, 5, 3, 1},
        {"one past the bottom edge", 1, 5, 3, 4, 1},
        {"larger on all sides", -2, -2, 14, 12, 1},
        {"entirely to the right", 20, 0, 2, 2, 1},
        {"far negative", -5000000000ll, 0, 1, 1, 1},
        {"1x1 at the last pixel", 9, 7, 1, 1, 0},
    };
    char name[128];

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct pad_rect r = {t[i].x, t[i].y, t[i].w, t[i].h};
        int got = pad_touches_border(&r, 10, 8);
        snprintf(name, sizeof name, "pad_touches_border: %s", t[i].name);
        CHECK(got == t[i].want, name, "got %d, want %d", got, t[i].want);
    }
    struct pad_rect big = {4294967290ll, 0, 5, 1};
    CHECK(pad_touches_border(&big, 4294967295u, 1) == 0, "pad_touches_border near 2^32 inside",
          "got %d", pad_touches_border(&big, 4294967295u, 1));
    big.w = 6;
    CHECK(pad_touches_border(&big, 4294967295u, 1) == 1, "pad_touches_border past 2^32 - 1",
          "got %d", pad_touches_border(&big, 4294967295u, 1));
}

int main(void)
{
    test_placements();
    test_random();
    test_touches();
    CHECK_DONE();
}
