/*
 * test_sdk_geometry.c - unit tests of TSF_GEOMETRY_FILTER and CHOICES in
 * the filter SDK (filters/tsf.h, tsf_plan.h).
 *
 * No bundled filter of kind geometry is needed: the test writes one at run
 * time (halve: half the size, each output pixel the mean of a 2x2 square
 * or its top-left pixel, a choice), compiles it natively against the
 * source tree's filters/ with the Makefile's flags, and drives it through
 * tsf_plan, tsf_region and tsf_run (sdk_call.h).  Checked: describe (kind,
 * depths, choices), the plan, regions reaching outside the input, runs
 * against pixels computed here at both depths, tiled runs equal to one
 * whole run, the refused version 1 calls, and bad calls.
 */
#include "check.h"
#include "sdk_call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char halve_c[] =
    "#include \"tsf.h\"\n"
    "#define PARAMS(X) X(pick, 0, 0, 1, \"mean of the square or its first pixel\")\n"
    "#define CHOICES(X) X(pick, \"mean\", \"first\")\n"
    "TSF_GEOMETRY_FILTER(\"halve\", \"Half the size\", \"[1,2,3,4]\", \"[8,16]\", PARAMS,\n"
    "                    CHOICES)\n"
    "{\n"
    "    (void)p;\n"
    "    out->w = (in->w + 1) / 2;\n"
    "    out->h = (in->h + 1) / 2;\n"
    "    return TSF_OK;\n"
    "}\n"
    "_Static_assert(TSF_NCHOICES_pick == 2, \"two names for pick\");\n"
    "static int32_t filter_region(const float *p, const struct tsf_image *in,\n"
    "                             const struct tsf_image *out, const struct tsf_rect *o,\n"
    "                             struct tsf_rect *i)\n"
    "{\n"
    "    (void)p, (void)in, (void)out;\n"
    "    *i = (struct tsf_rect){2 * o->x, 2 * o->y, 2 * o->w, 2 * o->h};\n"
    "    return TSF_OK;\n"
    "}\n"
    "static uint32_t at(const struct tsf_call *c, size_t i)\n"
    "{\n"
    "    return c->depth == 16 ? tsf_in16(c)[i] : c->in[i];\n"
    "}\n"
    "static int32_t filter_process(const struct tsf_call *c)\n"
    "{\n"
    "    uint32_t ch = c->ch, stride = c->in_w * ch;\n"
    "    int first = tsf_round_i(c->p[P_pick]) == 1;\n"
    "    for (uint32_t y = 0; y < c->out_h; y++)\n"
    "        for (uint32_t x = 0; x < c->out_w; x++)\n"
    "            for (uint32_t k = 0; k < ch; k++) {\n"
    "                size_t s = (size_t)2 * y * stride + (size_t)2 * x * ch + k;\n"
    "                size_t d = ((size_t)y * c->out_w + x) * ch + k;\n"
    "                uint32_t sum = at(c, s) + at(c, s + ch) + at(c, s + stride) +\n"
    "                               at(c, s + stride + ch);\n"
    "                uint32_t v = first ? at(c, s) : (sum + 2) / 4;\n"
    "                if (c->out_depth == 16)\n"
    "                    tsf_out16(c)[d] = (uint16_t)v;\n"
    "                else\n"
    "                    c->out[d] = (uint8_t)v;\n"
    "            }\n"
    "    return TSF_OK;\n"
    "}\n";

static char tmpdir[PATH_MAX], so[PATH_MAX + 32], src[PATH_MAX + 32];

/* build - write and compile halve.c into a fresh directory; 0 or -1. */
static int build(void)
{
    char cmd[4 * PATH_MAX];
    snprintf(tmpdir, sizeof tmpdir, "%s/tsf-geometry.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(src, sizeof src, "%s/halve.c", tmpdir);
    snprintf(so, sizeof so, "%s/halve.so", tmpdir);
    FILE *f = fopen(src, "w");
    if (!f)
        return -1;
    int bad = fputs(halve_c, f) == EOF;
    bad |= fclose(f) != 0;
    snprintf(cmd, sizeof cmd,
             "cc -std=c11 -D_DEFAULT_SOURCE -O2 -fPIC -shared -ffp-contract=off -Wall -Wextra "
             "-Werror -fvisibility=hidden -DTSF_NATIVE -I'%s/../../filters' -o '%s' '%s'",
             ndir, so, src);
    return bad || system(cmd) != 0 ? -1 : 0;
}

/* expect - halve of src at output pixel (x, y), channel k, computed here. */
static uint32_t expect(const struct img *s, int32_t x, int32_t y, int32_t k, int first)
{
    uint32_t sum = 0, v0 = 0;
    for (int32_t j = 0; j < 2; j++)
        for (int32_t i = 0; i < 2; i++) {
            int32_t sx = 2 * x + i < s->w ? 2 * x + i : s->w - 1;
            int32_t sy = 2 * y + j < s->h ? 2 * y + j : s->h - 1;
            size_t at = ((size_t)sy * s->w + sx) * s->ch + k;
            uint32_t v = s->depth == 16 ? s16(s->px, at) : s->px[at];
            v0 = i == 0 && j == 0 ? v : v0;
            sum += v;
        }
    return first ? v0 : (sum + 2) / 4;
}

static void test_describe_plan_region(struct mod *m)
{
    const char *j = (const char *)m->base + m->describe();
    CHECK(strstr(j, "\"kind\":\"geometry\"") && strstr(j, "\"depths\":[8,16]") &&
              strstr(j, "\"choices\":{\"pick\":[\"mean\", \"first\"]}"),
          "halve: describe says geometry, depths and the choices", "json %s", j);
    struct img in = {7, 5, 3, 16, NULL}, out;
    int32_t rc = plan_of(m, &in, 0, &out);
    CHECK(rc == OK && out.w == 4 && out.h == 3 && out.ch == 3 && out.depth == 16,
          "halve plan: 7x5 to 4x3, channels and depth kept", "rc %d %dx%d ch %d depth %d", rc,
          out.w, out.h, out.ch, out.depth);
    in.depth = 12;
    rc = plan_of(m, &in, 0, &out);
    CHECK(rc == EDEPTH, "halve plan: depth 12 is TSF_EDEPTH", "rc %d", rc);
    in.depth = 8;
    int32_t r[4] = {3, 2, 1, 1};
    int32_t a = args_rect(m, &in, 0, r, &out);
    rc = m->region(a);
    CHECK(rc == OK && get(m, a, A_IN_X) == 6 && get(m, a, A_IN_Y) == 4 &&
              get(m, a, A_IN_RW) == 2 && get(m, a, A_IN_RH) == 2,
          "halve region: the corner pixel needs 6,4 2x2, past the input's edge", "rc %d", rc);
    int32_t past[4] = {3, 0, 2, 1};
    a = args_rect(m, &in, 0, past, &out);
    rc = m->region(a);
    CHECK(rc == EBADARG, "halve region: out rect past the output is TSF_EBADARG", "rc %d", rc);
    int32_t (*halo)(int32_t);
    *(void **)&halo = dlsym(m->dl, "tsf_halo");
    int32_t in_px = m->alloc(9 * 3), out_px = m->alloc(3);
    rc = m->process(in_px, 3, 3, out_px, 1, 1, 3, 0);
    CHECK(halo && halo(0) == -1 && rc == EBADARG, "halve: tsf_halo says -1 and tsf_process fails",
          "halo %d process %d", halo ? halo(0) : 0, rc);
}

/* test_run - whole runs against expect(), both depths and both choices. */
static void test_run(struct mod *m)
{
    for (int32_t depth = 8; depth <= 16; depth += 8)
        for (int first = 0; first <= 1; first++) {
            struct img s = img_new(9, 7, 4, depth, -1), out;
            float pick = (float)first;
            int32_t par = params(m, &pick, 1), whole[4] = {0, 0, 5, 4};
            uint8_t *got = NULL;
            size_t n = 0, bad = 0;
            plan_of(m, &s, par, &out);
            int32_t rc = run_rect(m, &s, par, whole, &got, &n);
            for (int32_t y = 0; rc == OK && y < 4; y++)
                for (int32_t x = 0; x < 5; x++)
                    for (int32_t k = 0; k < 4; k++) {
                        size_t i = ((size_t)y * 5 + x) * 4 + k;
                        uint32_t v = depth == 16 ? s16(got, i) : got[i];
                        bad += v != expect(&s, x, y, k, first);
                    }
            char name[80];
            snprintf(name, sizeof name, "halve %d-bit, pick=%s: 9x7 to 5x4, every pixel", depth,
                     first ? "first" : "mean");
            CHECK(rc == OK && n == (size_t)5 * 4 * 4 * (depth / 8) && bad == 0, name,
                  "rc %d, %zu samples differ", rc, bad);
            free(got);
            free(s.px);
            m->reset();
        }
}

/* test_tiled - output tiles of 3x2 give the whole run's bytes. */
static void test_tiled(struct mod *m)
{
    struct img s = img_new(45, 31, 2, 16, -1), out;
    int32_t whole[4] = {0, 0, 23, 16};
    uint8_t *all = NULL, *tile = NULL;
    size_t n = 0, tn = 0, diff = 0;
    int32_t rc = run_rect(m, &s, 0, whole, &all, &n), trc = OK;
    plan_of(m, &s, 0, &out);
    for (int32_t y = 0; y < out.h; y += 2)
        for (int32_t x = 0; x < out.w; x += 3) {
            int32_t r[4] = {x, y, x + 3 > out.w ? out.w - x : 3, y + 2 > out.h ? out.h - y : 2};
            m->reset();
            int32_t rc1 = run_rect(m, &s, 0, r, &tile, &tn);
            trc = trc != OK ? trc : rc1;
            for (int32_t j = 0; rc1 == OK && j < r[3]; j++)
                diff += memcmp(tile + (size_t)j * r[2] * 4,
                               all + ((size_t)(y + j) * out.w + x) * 4, (size_t)r[2] * 4) != 0;
            free(tile);
        }
    CHECK(rc == OK && trc == OK && diff == 0 && out.w == 23 && out.h == 16,
          "halve 16-bit: output tiles of 3x2 give the whole run's bytes", "rc %d/%d, %zu rows",
          rc, trc, diff);
    free(all);
    free(s.px);
}

/* test_bad_run - tsf_run refuses a wrong input rectangle or output image. */
static void test_bad_run(struct mod *m)
{
    struct img in = {10, 8, 1, 8, NULL}, out;
    int32_t r[4] = {1, 1, 2, 2};
    int32_t a = args_rect(m, &in, 0, r, &out);
    m->region(a);
    put(m, a, A_IN_PX, m->alloc(64));
    put(m, a, A_OUT_PX, m->alloc(64));
    int32_t rc = m->run(a);
    CHECK(rc == OK, "halve run: the good call runs", "rc %d", rc);
    put(m, a, A_IN_RW, 5);
    rc = m->run(a);
    CHECK(rc == EBADARG, "halve run: an input rectangle not the region's is refused", "rc %d", rc);
    put(m, a, A_IN_RW, 4);
    put(m, a, A_OUT_W, 6);
    rc = m->run(a);
    CHECK(rc == EBADARG, "halve run: an output image not the plan's is refused", "rc %d", rc);
}

int main(void)
{
    struct mod m;
    if (find_native() < 0) {
        CHECK(0, "find build/native", "no build/native/identity.so near this program");
        CHECK_DONE();
    }
    int rc = build();
    CHECK(rc == 0, "a geometry filter compiles with the SDK", "in %s", tmpdir);
    if (rc == 0 && mod_open_path(&m, so, "halve") == 0) {
        test_describe_plan_region(&m);
        test_run(&m);
        test_tiled(&m);
        test_bad_run(&m);
        mod_close(&m);
    }
    unlink(so);
    unlink(src);
    rmdir(tmpdir);
    CHECK_DONE();
}
