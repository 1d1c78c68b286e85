/*
 * test_exec.c - unit tests of a planned chain (resolve_plan_*, exec.h,
 * stage_ops.h) in this process: every tile of a plan run with
 * exec_plan_tile and exec_chain gives, put together, bit for bit what the
 * whole image as one tile gives, for chains of ABI v1 and v2 modules,
 * channel changes and 16-bit samples, and split into two ranges of
 * stages; the plan refuses what a chain cannot do to an image (depth,
 * channels, size after a global stage) as a usage error; and every
 * hostile ABI v2 module of filters/hostile/ whose plan or region answer
 * is unusable is refused, naming it, in process and isolated; a v2
 * module writing past its output or trapping in tsf_run fails the tile.
 */
#include "exec.h"
#include "filter.h"
#include "pad.h"
#include "resolve.h"
#include "stage_ops.h"
#include "err.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char err[ERR_MAX];

static int has(const char *s) { return strstr(err, s) != NULL; }

/* set_filter_path - build/filters and build/filters/hostile on the path;
 * returns 0, or -1 if the build is not found. */
static int set_filter_path(void)
{
    char exe[PATH_MAX], fdir[PATH_MAX], probe[PATH_MAX + 64], fp[2 * PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    /* build/tests or build/asan/tests */
    snprintf(fdir, sizeof fdir, "%.4000s/../filters", exe);
    snprintf(probe, sizeof probe, "%s/hostile/v2_region_lies.wasm", fdir);
    if (access(probe, R_OK) != 0)
        snprintf(fdir, sizeof fdir, "%.4000s/../../filters", exe);
    snprintf(probe, sizeof probe, "%s/hostile/v2_region_lies.wasm", fdir);
    if (access(probe, R_OK) != 0)
        return -1;
    snprintf(fp, sizeof fp, "%s:%s/hostile", fdir, fdir);
    return setenv("TILESPOOL_FILTER_PATH", fp, 1);
}

/* An image in memory: samples of depth bits, 16-bit ones in host order. */
struct image {
    struct plan_image im;
    uint8_t *px;
};

/* make_image - w x h, ch channels, depth bits of a fixed pseudo-random
 * pattern with some structure (so blurs and sharpens do something). */
static struct image make_image(uint32_t w, uint32_t h, int ch, int depth)
{
    struct image m = {{w, h, ch, depth}, NULL};
    size_t n = (size_t)w * h * (size_t)ch;
    uint32_t s = 12345u;
    m.px = malloc(n * (size_t)(depth / 8));
    for (size_t i = 0; m.px && i < n; i++) {
        s = s * 1103515245u + 12345u;
        uint32_t v = ((uint32_t)(i / (size_t)ch) % w * 7u + (s >> 16) % 64u) & 0xffffu;
        if (depth == 8)
            m.px[i] = (uint8_t)v;
        else
            ((uint16_t *)(void *)m.px)[i] = (uint16_t)(v * 251u);
    }
    return m;
}

/* What fill_from writes: rectangle r of image src, padded. */
struct fill_src {
    const struct image *src;
    struct plan_rect r;
};

/* fill_from - exec_fill_fn: the rectangle, replicate-padded. */
static int fill_from(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *e)
{
    const struct fill_src *f = ctx;
    const struct plan_image *im = &f->src->im;
    size_t bpp = plan_bytes_per_pixel(im);
    int64_t x0 = f->r.x < 0 ? 0 : f->r.x, y0 = f->r.y < 0 ? 0 : f->r.y;
    int64_t x1 = f->r.x + w < im->w ? f->r.x + w : im->w;
    int64_t y1 = f->r.y + h < im->h ? f->r.y + h : im->h;
    (void)e;
    for (int64_t y = y0; y < y1; y++)
        memcpy(dst + ((size_t)(y - f->r.y) * w + (size_t)(x0 - f->r.x)) * bpp,
               f->src->px + ((size_t)y * im->w + (size_t)x0) * bpp, (size_t)(x1 - x0) * bpp);
    struct pad_rect pr = {f->r.x, f->r.y, w, h};
    pad_replicate(dst, &pr, (int)bpp, im->w, im->h);
    return 0;
}

/* A chain resolved and planned in this process, its modules loaded. */
struct planned {
    int n;
    struct stage_spec st[CHAIN_MAX_STAGES];
    struct filter_module *mods[CHAIN_MAX_STAGES];
    struct plan p;
};

/* plan_chain - resolve text and plan it on src cut in tiles of size.
 * Returns 0, or -1 with err and *why. */
static int plan_chain(const char *text, const struct plan_image *src, uint32_t size,
                      uint64_t max_pixels, struct planned *pc, enum resolve_error *why)
{
    struct chain c;
    memset(pc, 0, sizeof *pc);
    err[0] = '\0';
    *why = RESOLVE_USAGE;
    if (chain_parse(text, &c, err) < 0)
        return -1;
    if (resolve_plan_loaded(&c, FILTER_WASM, src, size, max_pixels, pc->st, pc->mods, &pc->p,
                            NULL, why, err) < 0)
        return -1;
    pc->n = c.nstages;
    return 0;
}

static void unplan(struct planned *pc)
{
    for (int i = 0; i < pc->n; i++)
        filter_unload(pc->mods[i]);
    pc->n = 0;
}

/* run_tiles - stages [from, to) of every tile of pc on src, each tile's
 * result (want[to] for to < n, else the core) put into *out, an image of
 * image `to`'s size.  Returns 0 or -1 with err. */
static int run_tiles(const struct planned *pc, const struct image *src, int from, int to,
                     struct image *out)
{
    const struct plan *p = &pc->p;
    const struct plan_image *oi = &p->img[to];
    size_t bpp = plan_bytes_per_pixel(oi);
    out->im = *oi;
    out->px = calloc((size_t)oi->w * oi->h, bpp);
    if (!out->px)
        return errf(err, "out of memory");
    for (uint32_t r = 0; r < p->rows; r++)
        for (uint32_t c = 0; c < p->cols; c++) {
            struct plan_tile t;
            struct exec_out res;
            if (exec_plan_tile(pc->mods, pc->st, p, r, c, 0, &t, err) != EXEC_OK)
                return -1;
            struct fill_src f = {src, t.want[from]};
            if (exec_chain(pc->mods, pc->st, p, &t, from, to, NULL, 0, fill_from, &f, &res,
                           err) != EXEC_OK)
                return -1;
            /* the part of the result inside image `to` goes in place */
            const struct plan_rect *got = to < p->nstages ? &t.want[to] : &t.core;
            const struct plan_rect *in = to < p->nstages ? &t.out[to - 1] : &t.core;
            uint8_t *part = malloc((size_t)in->w * in->h * bpp);
            if (part) {
                exec_copy_rect(res.px, got, in, bpp, part);
                for (uint32_t y = 0; y < in->h; y++)
                    memcpy(out->px + (((size_t)in->y + y) * oi->w + (size_t)in->x) * bpp,
                           part + (size_t)y * in->w * bpp, (size_t)in->w * bpp);
            }
            free(part);
            exec_release(&res);
            if (!part)
                return errf(err, "out of memory");
        }
    return 0;
}

/* same_image - 1 if a and b are the same image, pixel for pixel. */
static int same_image(const struct image *a, const struct image *b)
{
    return a->im.w == b->im.w && a->im.h == b->im.h && a->im.ch == b->im.ch &&
           a->im.depth == b->im.depth &&
           memcmp(a->px, b->px, (size_t)a->im.w * a->im.h * plan_bytes_per_pixel(&a->im)) == 0;
}

/* tiled_vs_whole - text on src in tiles of size, and as one tile: the
 * same image, of the size, channels and depth want says. */
static void tiled_vs_whole(const char *text, const struct image *src, uint32_t size,
                           const struct plan_image *want)
{
    struct planned tiled, whole;
    struct image a = {{0, 0, 0, 0}, NULL}, b = {{0, 0, 0, 0}, NULL};
    enum resolve_error why;
    char name[256];
    int rc = plan_chain(text, &src->im, size, 1u << 26, &tiled, &why);
    if (rc == 0)
        rc = plan_chain(text, &src->im, 0, 1u << 26, &whole, &why);
    if (rc == 0)
        rc = run_tiles(&tiled, src, 0, tiled.n, &a);
    if (rc == 0)
        rc = run_tiles(&whole, src, 0, whole.n, &b);
    snprintf(name, sizeof name, "%s, %ux%u %dx%d-bit in tiles of %u (%ux%u) == one tile",
             text, src->im.w, src->im.h, src->im.ch, src->im.depth, size, tiled.p.cols,
             tiled.p.rows);
    CHECK(rc == 0 && tiled.p.rows * tiled.p.cols > 4 && whole.p.rows * whole.p.cols == 1 &&
              same_image(&a, &b) && a.im.w == want->w && a.im.h == want->h &&
              a.im.ch == want->ch && a.im.depth == want->depth,
          name, "rc %d err '%s' tiles %ux%u out %ux%u ch %d depth %d", rc, err, tiled.p.cols,
          tiled.p.rows, a.im.w, a.im.h, a.im.ch, a.im.depth);
    /* stages [0, 1) and then [1, n), the first result padded by the host */
    struct image mid = {{0, 0, 0, 0}, NULL}, c = {{0, 0, 0, 0}, NULL};
    if (rc == 0 && tiled.n > 1) {
        rc = run_tiles(&tiled, src, 0, 1, &mid);
        if (rc == 0)
            rc = run_tiles(&tiled, &mid, 1, tiled.n, &c);
        snprintf(name, sizeof name, "%s: stage 1, then the rest on its result, == one tile",
                 text);
        CHECK(rc == 0 && same_image(&c, &b), name, "rc %d err '%s'", rc, err);
    }
    free(mid.px);
    free(c.px);
    free(a.px);
    free(b.px);
    unplan(&tiled);
    unplan(&whole);
}

static void test_tiled(void)
{
    struct image rgb = make_image(53, 41, 3, 8), rgba16 = make_image(45, 38, 4, 16);
    struct image gray = make_image(40, 31, 1, 8);
    const struct plan_image same_rgb = {53, 41, 3, 8}, gray_of_rgb = {53, 41, 1, 8};
    const struct plan_image same16 = {45, 38, 4, 16}, rgb16 = {45, 38, 3, 16};
    tiled_vs_whole("gaussian_blur:sigma=2,sharpen,box_blur:radius=3", &rgb, 9, &same_rgb);
    /* posterize is an ABI v1 module: halo and tsf_process */
    tiled_vs_whole("posterize:levels=5,median:radius=2,gaussian_blur:sigma=1.2", &rgb, 8,
                   &same_rgb);
    tiled_vs_whole("grayscale,box_blur:radius=2", &rgb, 7, &gray_of_rgb);
    tiled_vs_whole("gaussian_blur:sigma=1.5,flatten,invert,box_blur", &rgba16, 10, &rgb16);
    tiled_vs_whole("add_alpha,gaussian_blur:sigma=3", &gray, 6,
                   &(struct plan_image){40, 31, 2, 8});
    tiled_vs_whole("box_blur:radius=4", &rgba16, 11, &same16);
    free(rgb.px);
    free(rgba16.px);
    free(gray.px);
}

/* refused - plan text on src: it must fail with why and a message naming
 * `name` and holding `want`. */
static void refused(const char *text, const struct plan_image *src, uint32_t size,
                    uint64_t max_pixels, enum resolve_error want_why, const char *name,
                    const char *want)
{
    struct planned pc;
    enum resolve_error why;
    char label[256];
    int rc = plan_chain(text, src, size, max_pixels, &pc, &why);
    snprintf(label, sizeof label, "%s on %ux%u %dx%d-bit: refused, %s, '%s'", text, src->w,
             src->h, src->ch, src->depth, want_why == RESOLVE_USAGE ? "usage" : "module", want);
    CHECK(rc == -1 && why == want_why && has(name) && has(want), label,
          "rc %d why %d err '%s'", rc, why, err);
    if (rc == 0)
        unplan(&pc);
}

static void test_refused(void)
{
    const struct plan_image rgb = {64, 48, 3, 8}, rgb16 = {64, 48, 3, 16};
    const struct plan_image gray = {64, 48, 1, 8};
    refused("median", &rgb16, 16, 1u << 26, RESOLVE_USAGE, "median",
            "takes 8-bit samples only; the image has 16 (use --depth 8)");
    refused("posterize", &rgb16, 16, 1u << 26, RESOLVE_USAGE, "posterize",
            "takes 8-bit samples only; the image has 16");
    refused("grayscale,sepia", &rgb, 16, 1u << 26, RESOLVE_USAGE, "sepia",
            "takes 3,4 channels; its input has 1");
    refused("v2_region_lies", &rgb, 16, 1u << 26, RESOLVE_MODULE, "v2_region_lies",
            "inconsistent answers: kind point");
    refused("v2_plan_absurd", &rgb, 16, 1u << 26, RESOLVE_MODULE, "v2_plan_absurd",
            "not a usable image");
    refused("v2_plan_huge", &rgb, 16, 1u << 26, RESOLVE_USAGE, "v2_plan_huge",
            "pixels allowed");
    refused("v2_region_parity", &gray, 5, 1u << 26, RESOLVE_MODULE, "v2_region_parity",
            "empty");
    refused("v2_region_huge", &rgb, 16, 1u << 26, RESOLVE_MODULE, "v2_region_huge",
            "out of range");
    refused("v2_region_outside", &rgb, 16, 1u << 26, RESOLVE_MODULE, "v2_region_outside",
            "outside its");
    /* a size change after a global stage, allowed by a huge pixel limit */
    refused("autolevels,v2_plan_huge", &rgb, 16, 1ull << 41, RESOLVE_USAGE, "v2_plan_huge",
            "after the global filter autolevels");
    /* the parity module is right on even columns: one tile is fine */
    struct planned pc;
    enum resolve_error why;
    int rc = plan_chain("v2_region_parity", &gray, 64, 1u << 26, &pc, &why);
    CHECK(rc == 0 && pc.p.rows == 1 && pc.p.cols == 1,
          "v2_region_parity: a plan whose only tile is at x 0 is fine", "rc %d err '%s'", rc,
          err);
    if (rc == 0)
        unplan(&pc);
}

static void test_isolated(void)
{
    struct chain c;
    struct stage_spec st[CHAIN_MAX_STAGES];
    struct plan p;
    struct plan_rect *first = NULL;
    enum resolve_error why;
    const struct plan_image src = {100, 70, 3, 8};
    chain_parse("gaussian_blur:sigma=2,grayscale,posterize", &c, err);
    int rc = resolve_plan_isolated(&c, &src, 32, 1u << 26, st, &p, &first, 30, &why, err);
    int ok = rc == 0 && p.rows == 3 && p.cols == 4 && p.img[3].ch == 1 && st[0].abi == 2 &&
             st[2].abi == 1 && st[2].halo == 0 && st[0].halo == 6 &&
             (st[0].depths & STAGE_DEPTH_16);
    /* tile (1,1): core 32x32 at (32,32), grown by the blur's margin; the
     * corner tiles reach as far outside the image */
    int64_t m = first ? 32 - first[1 * 4 + 1].x : -1;
    ok = ok && m > 0 && first[5].y == 32 - m && first[5].w == 32 + 2 * m &&
         first[0].x == -m && first[0].y == -m && first[11].x + first[11].w == 100 + m &&
         first[11].y + first[11].h == 70 + m;
    CHECK(ok, "resolve_plan_isolated: stages, images, grid and every tile's first rectangle",
          "rc %d err '%s' grid %ux%u margin %lld", rc, err, p.cols, p.rows, (long long)m);
    free(first);
    first = NULL;
    chain_parse("identity,v2_region_lies", &c, err);
    rc = resolve_plan_isolated(&c, &src, 32, 1u << 26, st, &p, &first, 30, &why, err);
    CHECK(rc == -1 && why == RESOLVE_MODULE && first == NULL && has("v2_region_lies") &&
              has("inconsistent answers"),
          "resolve_plan_isolated: v2_region_lies is a module error", "rc %d why %d err '%s'", rc,
          why, err);
    /* 250 x 188 tiles: more rectangles than a pipe holds at once */
    chain_parse("posterize,median:radius=2", &c, err);
    rc = resolve_plan_isolated(&c, &(struct plan_image){2000, 1500, 3, 8}, 8, 1u << 26, st, &p,
                               &first, 30, &why, err);
    size_t last = (size_t)p.rows * p.cols - 1;
    /* the last core, 8x4 at (1992,1496), grown by median's 2 and clipped
     * to the image before posterize */
    CHECK(rc == 0 && p.cols == 250 && p.rows == 188 && first && first[last].x == 1992 - 2 &&
              first[last].y == 1496 - 2 && first[last].w == 10 && first[last].h == 6,
          "resolve_plan_isolated: 47000 tiles' rectangles come through the pipe whole",
          "rc %d err '%s' grid %ux%u", rc, err, p.cols, p.rows);
    free(first);
    first = NULL;
    chain_parse("median", &c, err);
    rc = resolve_plan_isolated(&c, &(struct plan_image){20, 20, 3, 16}, 32, 1u << 26, st, &p,
                               &first, 30, &why, err);
    CHECK(rc == -1 && why == RESOLVE_USAGE && has("median takes 8-bit samples only"),
          "resolve_plan_isolated: a depth not taken is a usage error", "rc %d why %d err '%s'",
          rc, why, err);
}

/* run_one - text planned on src as one tile and run; the result. */
static enum exec_result run_one(const char *text, const struct image *src)
{
    struct planned pc;
    struct plan_tile t;
    struct exec_out out = {0};
    enum resolve_error why;
    enum exec_result r = EXEC_FAILED;
    if (plan_chain(text, &src->im, 0, 1u << 26, &pc, &why) < 0)
        return r;
    r = exec_plan_tile(pc.mods, pc.st, &pc.p, 0, 0, 0, &t, err);
    struct fill_src f = {src, t.want[0]};
    if (r == EXEC_OK)
        r = exec_chain(pc.mods, pc.st, &pc.p, &t, 0, pc.n, NULL, 0, fill_from, &f, &out, err);
    exec_release(&out);
    unplan(&pc);
    return r;
}

static void test_run_hostile(void)
{
    struct image small = make_image(20, 14, 3, 8);
    enum exec_result r = run_one("identity,v2_run_oversize", &small);
    CHECK(r == EXEC_FAILED && has("filter v2_run_oversize: wrote past the end of its output"),
          "v2_run_oversize: the byte past its output is seen, the tile fails", "result %d err '%s'",
          r, err);
    r = run_one("v2_run_trap", &small);
    CHECK(r == EXEC_TRAPPED && has("filter v2_run_trap: trap in tsf_run: Unreachable"),
          "v2_run_trap: a trap in tsf_run", "result %d err '%s'", r, err);
    free(small.px);
}

int main(void)
{
    if (set_filter_path() < 0) {
        printf("skip - exec tests: build/filters/hostile not found (make filters)\n");
        return 0;
    }
    filter_runtime_init();
    test_tiled();
    test_refused();
    test_isolated();
    test_run_hostile();     /* last: it traps */
    CHECK_DONE();
}
