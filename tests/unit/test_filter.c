/*
 * test_filter.c - unit tests for the filter loader and its calls
 * (filter.h, resolve.h) on the real built modules.
 *
 * The modules are build/filters/NAME.so + NAME.wasm (sandboxed) and
 * build/native/NAME.so (native); the build directory is found from
 * $TILESPOOL_TOP or from this program's own path, and put on
 * TILESPOOL_FILTER_PATH together with build/filters/hostile.  Checked:
 * finding and loading modules, the ABI version, describe, parameter
 * binding, halos, running tsf_process in both backends with identical
 * results, bounds of filter_mem, the memory cap, that freeing instances
 * gives back their address space, stage_parse_desc on malformed
 * descriptions, and resolving chains in this process and in a child.
 * This process runs filter code, so it calls filter_runtime_init() first.
 */
#include "filter.h"
#include "resolve.h"
#include "err.h"
#include "hash.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fdir[PATH_MAX];      /* build/filters */
static char ndir[PATH_MAX];      /* build/native */
static char err[ERR_MAX];
static char json[FILTER_DESC_MAX];

static int has(const char *s) { return strstr(err, s) != NULL; }

static uint32_t rng = 12345;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* find_build - fill fdir and ndir; returns 0 or -1. */
static int find_build(void)
{
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    const char *topdir = getenv("TILESPOOL_TOP");
    if (topdir && *topdir) {
        snprintf(fdir, sizeof fdir, "%.4000s/build/filters", topdir);
        snprintf(probe, sizeof probe, "%s/identity.wasm", fdir);
        if (access(probe, R_OK) == 0)
            goto found;
    }
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    static const char *rel[] = {"../filters", "../../filters"};
    for (int i = 0; i < 2; i++) {
        snprintf(fdir, sizeof fdir, "%.4000s/%s", exe, rel[i]);
        snprintf(probe, sizeof probe, "%s/identity.wasm", fdir);
        if (access(probe, R_OK) == 0)
            goto found;
    }
    return -1;
found:
    snprintf(ndir, sizeof ndir, "%.4000s/../native", fdir);
    return 0;
}

/* load - load bundled NAME from the build dirs; NULL with err on error. */
static struct filter_module *load(const char *name, enum filter_backend b)
{
    char so[PATH_MAX + 80], wasm[PATH_MAX + 80];
    if (b == FILTER_NATIVE) {
        snprintf(so, sizeof so, "%s/%s.so", ndir, name);
        return filter_load(name, b, so, NULL, err);
    }
    snprintf(so, sizeof so, "%s/%s.so", fdir, name);
    snprintf(wasm, sizeof wasm, "%s/%s.wasm", fdir, name);
    return filter_load(name, b, so, wasm, err);
}

static uint64_t vm_size_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0)
            kb = strtoull(line + 7, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static void test_find_load(void)
{
    char so[PATH_MAX], wasm[PATH_MAX], want[PATH_MAX + 32];

    int rc = filter_find("identity", so, wasm, err);
    snprintf(want, sizeof want, "%s/identity.wasm", fdir);
    CHECK(rc == 0 && strcmp(wasm, want) == 0 && strlen(so) > 12 &&
              strcmp(so + strlen(so) - 12, "/identity.so") == 0,
          "filter_find identity", "rc %d so '%s' wasm '%s' err '%s'", rc, so, wasm, err);
    rc = filter_find("wrong_abi", so, wasm, err);
    CHECK(rc == 0 && strstr(wasm, "hostile/wrong_abi.wasm"),
          "filter_find searches every TILESPOOL_FILTER_PATH entry", "rc %d wasm '%s' err '%s'",
          rc, wasm, err);
    rc = filter_find("no_such_filter", so, wasm, err);
    CHECK(rc == -1 && has("unknown filter 'no_such_filter'") && has(fdir),
          "filter_find of an unknown filter lists where it looked", "rc %d err '%s'", rc, err);
    rc = filter_find("../identity", so, wasm, err);
    CHECK(rc == -1 && has("not a valid filter name"), "filter_find refuses a path",
          "rc %d err '%s'", rc, err);

    char dirs[16][PATH_MAX];
    int n = filter_search_dirs(dirs, 16);
    CHECK(n >= 3 && strcmp(dirs[0], fdir) == 0 && strstr(dirs[1], "hostile") &&
              strstr(dirs[2], "/../filters"),
          "filter_search_dirs: the path, then beside the program", "n %d first '%s'", n,
          n > 0 ? dirs[0] : "");
    n = filter_search_dirs(dirs, 1);
    CHECK(n == 1, "filter_search_dirs respects max", "n %d", n);

    struct filter_module *m = load("identity", FILTER_WASM);
    struct hash h, zero;
    memset(&h, 0, sizeof h);
    memset(&zero, 0, sizeof zero);
    snprintf(want, sizeof want, "%s/identity.wasm", fdir);
    hash_file(want, &h, NULL, err);
    CHECK(m && strcmp(filter_module_name(m), "identity") == 0 &&
              hash_equal(filter_module_hash(m), &h) && !hash_equal(&h, &zero),
          "filter_load identity (wasm): name and hash of the .wasm", "m %p err '%s'", (void *)m,
          err);
    filter_unload(m);
    filter_unload(NULL);

    snprintf(want, sizeof want, "%s/identity.wasm", fdir);
    m = filter_load("identity", FILTER_WASM, "/nonexistent/identity.so", want, err);
    CHECK(!m && has("identity") && has("missing"), "filter_load without the .so",
          "err '%s'", err);
    char hostile_so[PATH_MAX + 64], hostile_wasm[PATH_MAX + 64];
    snprintf(hostile_so, sizeof hostile_so, "%s/hostile/imports_host.so", fdir);
    snprintf(hostile_wasm, sizeof hostile_wasm, "%s/hostile/imports_host.wasm", fdir);
    m = filter_load("imports_host", FILTER_WASM, hostile_so, hostile_wasm, err);
    CHECK(!m && has("env.host_write"), "filter_load refuses a module with imports",
          "err '%s'", err);
    snprintf(hostile_so, sizeof hostile_so, "%s/identity.so", fdir);
    m = filter_load("identity", FILTER_NATIVE, hostile_so, NULL, err);
    CHECK(!m && has("lacks the native filter exports"),
          "filter_load native of a wasm2c object", "err '%s'", err);
    m = filter_load("identity", FILTER_NATIVE, want, NULL, err);
    CHECK(!m && has("cannot load"), "filter_load native of a non-object", "err '%s'", err);
}

static void test_describe(void)
{
    struct filter_module *m = load("identity", FILTER_WASM);
    int trapped = -1;
    struct filter_inst *fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    if (!fi) {
        CHECK(0, "instantiate identity", "err '%s'", err);
        filter_unload(m);
        return;
    }
    int32_t v = 0;
    int rc = filter_call_abi_version(fi, &v, err);
    CHECK(rc == 0 && v == 2 && trapped == 0, "identity: ABI version 2", "rc %d version %d", rc,
          v);
    struct filter_desc d;
    rc = filter_call_describe(fi, &d, json, err);
    CHECK(rc == 0 && strcmp(d.name, "identity") == 0 && strcmp(d.kind, "point") == 0 &&
              d.channels_mask == 0x1e && d.nparams == 0 && d.summary[0] != '\0',
          "identity: describe", "rc %d err '%s' name '%s' kind '%s' mask %#x", rc, err, d.name,
          d.kind, d.channels_mask);
    CHECK(rc == 0 && strstr(json, "\"identity\"") != NULL, "describe hands back the JSON",
          "json '%.80s'", json);
    filter_free(fi);
    filter_unload(m);

    m = load("gaussian_blur", FILTER_WASM);
    fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    rc = fi ? filter_call_describe(fi, &d, json, err) : -1;
    CHECK(rc == 0 && strcmp(d.name, "gaussian_blur") == 0 &&
              strcmp(d.kind, "neighborhood") == 0 && d.nparams == 1 &&
              strcmp(d.params[0].name, "sigma") == 0 && d.params[0].def == 1.5 &&
              d.params[0].min == 0.1 && d.params[0].max == 20,
          "gaussian_blur: describe with its param", "rc %d err '%s'", rc, err);
    filter_free(fi);
    filter_unload(m);

    m = load("sepia", FILTER_WASM);
    fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    rc = fi ? filter_call_describe(fi, &d, json, err) : -1;
    CHECK(rc == 0 && d.channels_mask == ((1u << 3) | (1u << 4)), "sepia: channels [3,4]",
          "rc %d mask %#x err '%s'", rc, d.channels_mask, err);
    filter_free(fi);
    filter_unload(m);

    /* the hostile module claiming ABI 2 */
    char so[PATH_MAX + 64], wasm[PATH_MAX + 64];
    snprintf(so, sizeof so, "%s/hostile/wrong_abi.so", fdir);
    snprintf(wasm, sizeof wasm, "%s/hostile/wrong_abi.wasm", fdir);
    m = filter_load("wrong_abi", FILTER_WASM, so, wasm, err);
    fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    v = 0;
    rc = fi ? filter_call_abi_version(fi, &v, err) : -1;
    CHECK(rc == -1 && v == 3 && has("filter wrong_abi: ABI version 3, this host speaks 1 and 2"),
          "wrong_abi: ABI version 3 is refused, naming the module", "rc %d version %d err '%s'",
          rc, v, err);
    filter_free(fi);
    filter_unload(m);
}

/* stage_of - parse "name:k=v..." as a one-stage chain into st. */
static void stage_of(const char *text, struct chain_stage *st)
{
    static struct chain c;
    if (chain_parse(text, &c, err) == 0)
        *st = c.stages[0];
    else
        memset(st, 0, sizeof *st);
}

static void test_bind(void)
{
    struct filter_desc gd, sd, id;
    const char *g = "{\"name\":\"gaussian_blur\",\"summary\":\"s\",\"kind\":\"neighborhood\","
                    "\"channels\":[1,2,3,4],\"params\":[{\"name\":\"sigma\",\"default\":1.5,"
                    "\"min\":0.1,\"max\":20}]}";
    const char *s = "{\"name\":\"sharpen\",\"summary\":\"s\",\"kind\":\"neighborhood\","
                    "\"channels\":[1,2,3,4],\"params\":["
                    "{\"name\":\"amount\",\"default\":0.6,\"min\":0,\"max\":5},"
                    "{\"name\":\"sigma\",\"default\":1.0,\"min\":0.1,\"max\":10},"
                    "{\"name\":\"threshold\",\"default\":0,\"min\":0,\"max\":255}]}";
    const char *i = "{\"name\":\"identity\",\"summary\":\"s\",\"kind\":\"point\","
                    "\"channels\":[1,2,3,4],\"params\":[]}";
    if (stage_parse_desc(g, "gaussian_blur", &gd, err) < 0 ||
        stage_parse_desc(s, "sharpen", &sd, err) < 0 ||
        stage_parse_desc(i, "identity", &id, err) < 0) {
        CHECK(0, "bind setup", "err '%s'", err);
        return;
    }
    struct chain_stage st;
    struct stage_spec out;

    memset(&out, 0, sizeof out);
    stage_of("gaussian_blur", &st);
    int rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == 0 && out.nparams == 1 && strcmp(out.param_names[0], "sigma") == 0 &&
              out.params[0] == 1.5f,
          "bind: defaults filled", "rc %d err '%s' n %d", rc, err, out.nparams);
    stage_of("gaussian_blur:sigma=2", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == 0 && out.params[0] == 2.0f, "bind: a given value", "rc %d err '%s' %g", rc, err,
          out.params[0]);
    stage_of("gaussian_blur:sigma=20", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == 0 && out.params[0] == 20.0f, "bind: the maximum is in range", "rc %d err '%s'",
          rc, err);
    stage_of("gaussian_blur:sigma=0.1", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == 0 && out.params[0] == 0.1f, "bind: the minimum is in range", "rc %d err '%s'",
          rc, err);
    stage_of("sharpen:sigma=2:amount=1", &st);
    memset(&out, 0, sizeof out);
    rc = stage_bind_params(&sd, &st, &out, err);
    CHECK(rc == 0 && out.nparams == 3 && strcmp(out.param_names[0], "amount") == 0 &&
              out.params[0] == 1.0f && strcmp(out.param_names[1], "sigma") == 0 &&
              out.params[1] == 2.0f && strcmp(out.param_names[2], "threshold") == 0 &&
              out.params[2] == 0.0f,
          "bind: declared order, whatever the order given", "rc %d err '%s'", rc, err);

    stage_of("gaussian_blur:sigma=25", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == -1 && has("gaussian_blur") && has("sigma") && has("out of range") &&
              has("[0.1, 20]"),
          "bind: above the maximum", "rc %d err '%s'", rc, err);
    stage_of("gaussian_blur:sigma=0.05", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == -1 && has("gaussian_blur") && has("sigma") && has("out of range"),
          "bind: below the minimum", "rc %d err '%s'", rc, err);
    stage_of("gaussian_blur:radius=2", &st);
    rc = stage_bind_params(&gd, &st, &out, err);
    CHECK(rc == -1 && has("gaussian_blur") && has("unknown parameter 'radius'") &&
              has("takes: sigma"),
          "bind: an unknown param lists the known ones", "rc %d err '%s'", rc, err);
    stage_of("sharpen:radius=2", &st);
    rc = stage_bind_params(&sd, &st, &out, err);
    CHECK(rc == -1 && has("amount, sigma, threshold"), "bind: all known params listed",
          "rc %d err '%s'", rc, err);
    stage_of("identity:x=1", &st);
    rc = stage_bind_params(&id, &st, &out, err);
    CHECK(rc == -1 && has("identity") && has("no parameters"),
          "bind: a filter without params", "rc %d err '%s'", rc, err);

    static const char *nonnum[] = {"abc", "1.5x", "nan", "inf", "-inf", "1e999", " ", "0x"};
    for (size_t k = 0; k < sizeof nonnum / sizeof nonnum[0]; k++) {
        char text[64], name[64];
        snprintf(text, sizeof text, "gaussian_blur:sigma=%s", nonnum[k]);
        stage_of(text, &st);
        rc = stage_bind_params(&gd, &st, &out, err);
        snprintf(name, sizeof name, "bind: sigma='%s' is not a number", nonnum[k]);
        CHECK(rc == -1 && has("gaussian_blur") && has("sigma") && has("not a number"), name,
              "rc %d err '%s'", rc, err);
    }
}

/* call_halo - halo of an instance for `sigma` written as param 0. */
static int call_halo(struct filter_inst *fi, float sigma, int32_t *halo)
{
    uint32_t off;
    if (filter_call_alloc(fi, 64, &off, err) != 0)
        return -1;
    uint8_t *p = filter_mem(fi, off, 64, err);
    if (!p)
        return -1;
    memcpy(p, &sigma, sizeof sigma);
    return filter_call_halo(fi, off, halo, err);
}

static void test_halo(void)
{
    static const float sigmas[] = {1.5f, 0.1f, 0.34f, 1.0f, 2.0f, 3.3f, 20.0f};
    struct filter_module *m = load("gaussian_blur", FILTER_WASM);
    int trapped;
    struct filter_inst *fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    if (!fi) {
        CHECK(0, "halo setup", "err '%s'", err);
        filter_unload(m);
        return;
    }
    int32_t halo = -1;
    int rc = call_halo(fi, 1.5f, &halo);
    CHECK(rc == 0 && halo == 5, "gaussian_blur halo for sigma 1.5 is ceil(4.5) = 5",
          "rc %d halo %d err '%s'", rc, halo, err);
    rc = filter_call_halo(fi, 0, &halo, err);
    CHECK(rc == 0 && halo == 5, "gaussian_blur halo with default params", "rc %d halo %d", rc,
          halo);
    int ok = 1;
    char why[128] = "";
    for (size_t k = 0; k < sizeof sigmas / sizeof sigmas[0]; k++) {
        float want = ceilf(3.0f * sigmas[k]);
        rc = call_halo(fi, sigmas[k], &halo);
        if (rc != 0 || halo != (int32_t)want) {
            ok = 0;
            snprintf(why, sizeof why, "sigma %g: halo %d, want %g", sigmas[k], halo, want);
        }
    }
    CHECK(ok, "gaussian_blur halo is ceil(3 sigma)", "%s", why);
    rc = call_halo(fi, 1000.0f, &halo);
    CHECK(rc == 0 && halo == 60, "gaussian_blur clamps sigma to its maximum for the halo",
          "rc %d halo %d", rc, halo);
    filter_free(fi);
    filter_unload(m);
}

/* run - run filter `name` with params on a w x h core (plus halo) of
 * ch channels with input `in`; output into out.  Returns tsf_process's
 * result, or -100 on a host error. */
static int run(const char *name, enum filter_backend b, const float *params, int np,
               uint32_t halo, uint32_t w, uint32_t h, uint32_t ch, const uint8_t *in,
               uint8_t *out)
{
    struct filter_module *m = load(name, b);
    int trapped, rc = -100;
    struct filter_inst *fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    uint32_t iw = w + 2 * halo, ih = h + 2 * halo;
    size_t nin = (size_t)iw * ih * ch, nout = (size_t)w * h * ch;
    uint32_t poff, ioff, ooff;
    if (fi && filter_call_alloc(fi, 64, &poff, err) == 0 &&
        filter_call_alloc(fi, (uint32_t)nin, &ioff, err) == 0 &&
        filter_call_alloc(fi, (uint32_t)nout, &ooff, err) == 0) {
        uint8_t *pp = filter_mem(fi, poff, 64, err);
        uint8_t *ip = filter_mem(fi, ioff, nin, err);
        memset(pp, 0, 64);
        memcpy(pp, params, sizeof(float) * (size_t)np);
        memcpy(ip, in, nin);
        uint32_t a[8] = {ioff, iw, ih, ooff, w, h, ch, poff};
        int32_t r;
        if (filter_call_process(fi, a, &r, err) == 0) {
            rc = r;
            memcpy(out, filter_mem(fi, ooff, nout, err), nout);
        }
    }
    filter_free(fi);
    filter_unload(m);
    return rc;
}

static void test_process(void)
{
    static const struct {
        const char *name;
        float p[3];
        int np;
        uint32_t halo;
    } cases[] = {
        {"identity", {0}, 0, 0},
        {"gaussian_blur", {1.5f}, 1, 5},
        {"sharpen", {1.2f, 1.0f, 2.0f}, 3, 3},
        {"invert", {0}, 0, 0},
    };
    const uint32_t w = 7, h = 6;
    uint8_t in[(7 + 10) * (6 + 10) * 4], ow[7 * 6 * 4], on[7 * 6 * 4];
    char name[96];

    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)rnd();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (uint32_t ch = 1; ch <= 4; ch++) {
            size_t n = (size_t)w * h * ch;
            memset(ow, 0xee, sizeof ow);
            memset(on, 0x11, sizeof on);
            int rw = run(cases[k].name, FILTER_WASM, cases[k].p, cases[k].np, cases[k].halo, w,
                         h, ch, in, ow);
            int rn = run(cases[k].name, FILTER_NATIVE, cases[k].p, cases[k].np, cases[k].halo,
                         w, h, ch, in, on);
            snprintf(name, sizeof name, "%s, %u channel%s: wasm and native give the same bytes",
                     cases[k].name, ch, ch > 1 ? "s" : "");
            CHECK(rw == 0 && rn == 0 && memcmp(ow, on, n) == 0, name,
                  "wasm rc %d native rc %d err '%s'", rw, rn, err);
        }

    /* the identity's output is its input; invert's is 255 - v on colour */
    static const float none[1];
    run("identity", FILTER_WASM, none, 0, 0, w, h, 3, in, ow);
    CHECK(memcmp(ow, in, (size_t)w * h * 3) == 0, "identity output equals its input",
          "differs");
    run("invert", FILTER_WASM, none, 0, 0, w, h, 4, in, ow);
    int ok = 1;
    for (size_t i = 0; i < (size_t)w * h * 4; i++)
        ok &= ow[i] == (i % 4 == 3 ? in[i] : 255 - in[i]);
    CHECK(ok, "invert output is 255 - v, alpha kept", "differs");

    /* calls the SDK refuses: result codes, not traps */
    struct filter_module *m = load("gaussian_blur", FILTER_WASM);
    int trapped;
    struct filter_inst *fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    uint32_t ioff = 0, ooff = 0;
    if (fi && filter_call_alloc(fi, 17 * 16 * 4, &ioff, err) == 0 &&
        filter_call_alloc(fi, 7 * 6 * 4, &ooff, err) == 0) {
        int32_t r = -1;
        uint32_t bad_ch[8] = {ioff, 17, 16, ooff, 7, 6, 5, 0};
        int rc = filter_call_process(fi, bad_ch, &r, err);
        CHECK(rc == 0 && r == 2, "tsf_process with 5 channels: TSF_ECHANNELS", "rc %d r %d", rc,
              r);
        uint32_t bad_w[8] = {ioff, 16, 16, ooff, 7, 6, 3, 0};
        rc = filter_call_process(fi, bad_w, &r, err);
        CHECK(rc == 0 && r == 1, "tsf_process with the wrong halo: TSF_EBADARG", "rc %d r %d",
              rc, r);
        uint32_t overlap[8] = {ioff, 17, 16, ioff + 8, 7, 6, 3, 0};
        rc = filter_call_process(fi, overlap, &r, err);
        CHECK(rc == 0 && r == 1, "tsf_process with overlapping buffers: TSF_EBADARG",
              "rc %d r %d", rc, r);
    } else {
        CHECK(0, "bad calls setup", "err '%s'", err);
    }
    filter_free(fi);
    filter_unload(m);
}

static void test_mem(void)
{
    struct filter_module *m = load("identity", FILTER_WASM);
    int trapped;
    struct filter_inst *fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    if (!fi) {
        CHECK(0, "mem setup", "err '%s'", err);
        filter_unload(m);
        return;
    }
    uint32_t off = 0;
    int rc = filter_call_alloc(fi, 1000, &off, err);
    CHECK(rc == 0 && off != 0 && filter_mem(fi, off, 1000, err) != NULL,
          "filter_call_alloc gives a usable range", "rc %d off %u err '%s'", rc, off, err);

    /* find the memory's size: the largest end filter_mem accepts */
    uint64_t size = 0;
    for (uint64_t step = 1ull << 32; step; step >>= 1)
        if (size + step <= (1ull << 32) && filter_mem(fi, 1, size + step - 1, err))
            size += step;
    CHECK(size >= 65536 && size % 65536 == 0, "memory size is whole pages", "%llu",
          (unsigned long long)size);
    uint8_t *base = filter_mem(fi, 1, 1, err) - 1;
    err[0] = '\0';
    CHECK(filter_mem(fi, 0, 1, err) == NULL && has("identity") && has("outside"),
          "filter_mem refuses offset 0", "err '%s'", err);
    CHECK(filter_mem(fi, (uint32_t)(size - 1), 1, err) == base + size - 1,
          "filter_mem accepts the last byte", "err '%s'", err);
    err[0] = '\0';
    CHECK(filter_mem(fi, (uint32_t)(size - 1), 2, err) == NULL && has("outside"),
          "filter_mem refuses a range one past the end", "err '%s'", err);
    CHECK(filter_mem(fi, 0xffffffffu, 1, err) == NULL, "filter_mem refuses offset 2^32-1",
          "accepted");
    CHECK(filter_mem(fi, 16, size, err) == NULL, "filter_mem refuses a length of the whole size",
          "accepted");
    /* a length so large that off + len wraps around 2^64 */
    uint8_t *wrapped = filter_mem(fi, 16, UINT64_MAX - 15, err);
    CHECK(wrapped == NULL, "filter_mem refuses a length that wraps off + len",
          "returned %p for [16, +2^64-16) of a %llu-byte memory", (void *)wrapped,
          (unsigned long long)size);
    filter_free(fi);
    filter_unload(m);

    /* native: the arena bounds */
    m = load("identity", FILTER_NATIVE);
    fi = m ? filter_instantiate(m, 0, &trapped, err) : NULL;
    rc = fi ? filter_call_alloc(fi, 1000, &off, err) : -1;
    CHECK(rc == 0 && filter_mem(fi, off, 1000, err) != NULL &&
              filter_mem(fi, 1, 4ull << 30, err) == NULL && filter_mem(fi, 0, 1, err) == NULL,
          "native filter_mem bounds", "rc %d err '%s'", rc, err);
    filter_free(fi);
    filter_unload(m);
}

static void test_memory_cap(void)
{
    struct filter_module *m = load("identity", FILTER_WASM);
    int trapped;
    uint32_t off = 0;
    if (!m) {
        CHECK(0, "cap setup", "err '%s'", err);
        return;
    }
    struct filter_inst *fi = filter_instantiate(m, 2u << 20, &trapped, err);
    err[0] = '\0';
    int rc = fi ? filter_call_alloc(fi, 8u << 20, &off, err) : 0;
    CHECK(fi && rc == -1 && has("identity") && has("allocate"),
          "max_memory 2 MiB: allocating 8 MiB fails", "rc %d err '%s'", rc, err);
    filter_free(fi);

    fi = filter_instantiate(m, 0, &trapped, err);
    rc = fi ? filter_call_alloc(fi, 8u << 20, &off, err) : -1;
    CHECK(rc == 0 && filter_mem(fi, off, 8u << 20, err) != NULL,
          "without a cap allocating 8 MiB works", "rc %d err '%s'", rc, err);
    filter_free(fi);

    fi = filter_instantiate(m, 16u << 20, &trapped, err);
    rc = fi ? filter_call_alloc(fi, 8u << 20, &off, err) : -1;
    int rc2 = fi ? filter_call_alloc(fi, 9u << 20, &off, err) : 0;
    CHECK(rc == 0 && rc2 == -1 && has("allocate"), "max_memory 16 MiB: 8 MiB fits, 17 do not",
          "rc %d rc2 %d err '%s'", rc, rc2, err);
    filter_free(fi);
    filter_unload(m);
}

static void test_many_instances(void)
{
    const uint64_t limit_kb = 64ull << 20;   /* 64 GiB */
    struct filter_module *m = load("identity", FILTER_WASM);
    if (!m) {
        CHECK(0, "instances setup", "err '%s'", err);
        return;
    }
    uint64_t before = vm_size_kb(), grown = 0;
    int i, made = 0, trapped;
    for (i = 0; i < 20000; i++) {
        struct filter_inst *fi = filter_instantiate(m, 0, &trapped, err);
        if (!fi)
            break;
        made++;
        filter_free(fi);
        /* stop early when address space leaks, before the runtime aborts */
        if (i % 100 == 0) {
            uint64_t now = vm_size_kb();
            if ((grown = now > before ? now - before : 0) > limit_kb)
                break;
        }
    }
    uint64_t after = vm_size_kb();
    grown = after > before ? after - before : 0;
    CHECK(made == 20000 && grown < limit_kb,
          "20000 instances made and freed without using up address space",
          "%d made; VmSize grew by %llu GiB", made, (unsigned long long)(grown >> 20));
    struct filter_inst *fi = filter_instantiate(m, 0, &trapped, err);
    int32_t v = 0;
    int rc = fi ? filter_call_abi_version(fi, &v, err) : -1;
    CHECK(rc == 0 && v == 2, "an instance still works after that", "rc %d err '%s'", rc, err);
    filter_free(fi);
    filter_unload(m);
}

/* desc_err - stage_parse_desc of text; returns its result. */
static int desc_err(const char *text)
{
    struct filter_desc d;
    err[0] = '\0';
    return stage_parse_desc(text, "mod", &d, err);
}

static void test_parse_desc(void)
{
    struct filter_desc d;
    const char *good = "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"neighborhood\","
                       "\"channels\":[1,3],\"params\":[{\"name\":\"sigma\",\"default\":1.5,"
                       "\"min\":0.1,\"max\":20,\"summary\":\"x\"}],\"extra\":true}";
    int rc = stage_parse_desc(good, "mod", &d, err);
    CHECK(rc == 0 && strcmp(d.name, "f") == 0 && strcmp(d.summary, "s") == 0 &&
              strcmp(d.kind, "neighborhood") == 0 && d.channels_mask == 0x0a &&
              d.nparams == 1 && strcmp(d.params[0].name, "sigma") == 0 &&
              d.params[0].def == 1.5 && d.params[0].min == 0.1 && d.params[0].max == 20,
          "stage_parse_desc of a good description", "rc %d err '%s'", rc, err);

    static const struct {
        const char *name, *json, *want;
    } bad[] = {
        {"not JSON", "{\"name\":", "not a JSON object"},
        {"a JSON array", "[1]", "not a JSON object"},
        {"missing name",
         "{\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],\"params\":[]}",
         "'name' is missing"},
        {"name not a string",
         "{\"name\":1,\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],\"params\":[]}",
         "'name' has the wrong type"},
        {"missing summary", "{\"name\":\"f\",\"kind\":\"point\",\"channels\":[1],\"params\":[]}",
         "'summary' is missing"},
        {"missing kind", "{\"name\":\"f\",\"summary\":\"s\",\"channels\":[1],\"params\":[]}",
         "'kind' is missing"},
        {"kind not a string",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":[],\"channels\":[1],\"params\":[]}",
         "'kind' has the wrong type"},
        {"missing channels", "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"params\":[]}",
         "'channels' is missing"},
        {"channels not an array",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":3,\"params\":[]}",
         "'channels' has the wrong type"},
        {"missing params", "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1]}",
         "'params' is missing"},
        {"params not an array",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],\"params\":{}}",
         "'params' has the wrong type"},
        {"channels empty",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[],\"params\":[]}",
         "channels is empty"},
        {"channels 5",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1,5],\"params\":[]}",
         "channels must hold numbers 1..4"},
        {"channels 0",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[0],\"params\":[]}",
         "channels must hold numbers 1..4"},
        {"channels as strings",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[\"3\"],\"params\":[]}",
         "channels must hold numbers 1..4"},
        {"kind global without stats refused",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"global\",\"channels\":[1],\"params\":[]}",
         "a global filter needs 'stats'"},
        {"unknown kind refused",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"area\",\"channels\":[1],\"params\":[]}",
         "kind 'area' is not supported"},
        {"kind unknown",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"Point\",\"channels\":[1],\"params\":[]}",
         "kind 'Point' is not supported"},
        {"param without name",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"default\":1,\"min\":0,\"max\":2}]}",
         "param 'name' is missing"},
        {"param that is not an object",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],\"params\":[7]}",
         "param 'name' is missing"},
        {"param without default",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"min\":0,\"max\":2}]}",
         "level 'default' is missing"},
        {"param min not a number",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":1,\"min\":\"0\",\"max\":2}]}",
         "level 'min' has the wrong type"},
        {"param without max",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":1,\"min\":0}]}",
         "level 'max' is missing"},
        {"default above max",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":3,\"min\":0,\"max\":2}]}",
         "param level: default 3 not in [0, 2]"},
        {"default below min",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":-1,\"min\":0,\"max\":2}]}",
         "param level: default -1 not in [0, 2]"},
        {"min above max",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":1,\"min\":2,\"max\":0}]}",
         "param level"},
        {"bad param name",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"Level\",\"default\":1,\"min\":0,\"max\":2}]}",
         "bad param name 'Level'"},
        /* found by tests/fuzz/fuzz_describe.c: a bound beyond float range let
         * "contrast=-1e39" through binding, to become -inf as a float */
        {"min beyond float range",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"contrast\",\"default\":0,\"min\":-1e82,\"max\":100}]}",
         "param contrast: default, min and max must be finite and within float range"},
        {"max infinite (1e999)",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":0,\"min\":0,\"max\":1e999}]}",
         "param level: default, min and max must be finite"},
        {"default beyond float range",
         "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\",\"channels\":[1],"
         "\"params\":[{\"name\":\"level\",\"default\":4e38,\"min\":-1e300,"
         "\"max\":1e300}]}",
         "param level: default, min and max must be finite"},
    };
    char name[96];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        rc = desc_err(bad[k].json);
        snprintf(name, sizeof name, "stage_parse_desc: %s", bad[k].name);
        CHECK(rc == -1 && has("filter mod: describe: ") && has(bad[k].want), name,
              "rc %d err '%s'", rc, err);
    }

    /* 16 params are fine, 17 are not */
    char text[4096];
    for (int np = 16; np <= 17; np++) {
        size_t n = (size_t)snprintf(text, sizeof text,
                                    "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\","
                                    "\"channels\":[1],\"params\":[");
        for (int k = 0; k < np; k++)
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "%s{\"name\":\"p%d\",\"default\":0,\"min\":0,\"max\":1}",
                                  k ? "," : "", k);
        snprintf(text + n, sizeof text - n, "]}");
        rc = desc_err(text);
        if (np == 16)
            CHECK(rc == 0, "stage_parse_desc: 16 params", "rc %d err '%s'", rc, err);
        else
            CHECK(rc == -1 && has("more than 16 params"), "stage_parse_desc: 17 params",
                  "rc %d err '%s'", rc, err);
    }

    /* the float range itself is fine, and everything bound in it is finite */
    static const char *flt = "{\"name\":\"f\",\"summary\":\"s\",\"kind\":\"point\","
                             "\"channels\":[1],\"params\":[{\"name\":\"level\",\"default\":0,"
                             "\"min\":-3.4028234663852886e38,\"max\":3.4028234663852886e38}]}";
    struct filter_desc fd;
    rc = stage_parse_desc(flt, "mod", &fd, err);
    CHECK(rc == 0, "stage_parse_desc: bounds of +-FLT_MAX", "rc %d err '%s'", rc, err);
    if (rc == 0) {
        struct chain_stage st;
        struct stage_spec out;
        memset(&out, 0, sizeof out);
        stage_of("f:level=-3.4028234663852886e38", &st);
        rc = stage_bind_params(&fd, &st, &out, err);
        CHECK(rc == 0 && isfinite(out.params[0]) && out.params[0] < -3e38f,
              "bind: -FLT_MAX stays finite", "rc %d err '%s' %g", rc, err,
              (double)out.params[0]);
        stage_of("f:level=-1e39", &st);
        rc = stage_bind_params(&fd, &st, &out, err);
        CHECK(rc == -1 && has("out of range"), "bind: beyond -FLT_MAX is out of range",
              "rc %d err '%s'", rc, err);
    }
}

static void test_resolve(void)
{
    struct chain c;
    struct stage_spec out[CHAIN_MAX_STAGES];
    enum resolve_error why = RESOLVE_USAGE;
    char path[PATH_MAX + 64];
    struct hash gh, sh;
    memset(&gh, 0, sizeof gh);
    memset(&sh, 0, sizeof sh);

    snprintf(path, sizeof path, "%s/gaussian_blur.wasm", fdir);
    hash_file(path, &gh, NULL, err);
    snprintf(path, sizeof path, "%s/sharpen.wasm", fdir);
    hash_file(path, &sh, NULL, err);

    chain_parse("gaussian_blur:sigma=2,sharpen", &c, err);
    memset(out, 0, sizeof out);
    int rc = resolve_chain(&c, out, &why, err);
    CHECK(rc == 0 && out[0].abi == 2 && out[1].abi == 2 && out[0].halo == 6 &&
              out[1].halo == 3 && (out[0].depths & STAGE_DEPTH_16),
          "resolve_chain: ABI v2 stages, halos (their regions' margins) ceil(3*2) + "
          "ceil(3*1) = 9, 16-bit taken",
          "rc %d err '%s' abi %d %d halos %d + %d", rc, err, out[0].abi, out[1].abi,
          out[0].halo, out[1].halo);
    /* resolve_chain_loaded starts with *why = RESOLVE_OK, and the isolated
     * variant reports RESOLVE_OK on success: the in-process one should too */
    CHECK(rc == 0 && why == RESOLVE_OK, "resolve_chain leaves *why = RESOLVE_OK on success",
          "rc %d why %d (RESOLVE_MODULE = %d)", rc, why, RESOLVE_MODULE);
    CHECK(rc == 0 && strcmp(out[0].name, "gaussian_blur") == 0 && hash_equal(&out[0].hash, &gh) &&
              strcmp(out[0].kind, "neighborhood") == 0 && out[0].channels_mask == 0x1e &&
              out[0].nparams == 1 && out[0].params[0] == 2.0f &&
              strcmp(out[1].name, "sharpen") == 0 && hash_equal(&out[1].hash, &sh) && out[1].nparams == 3 &&
              out[1].params[0] == 0.6f && out[1].params[1] == 1.0f && out[1].params[2] == 0.0f,
          "resolve_chain: names, hashes, kinds, bound params", "rc %d", rc);

    struct stage_spec iso[CHAIN_MAX_STAGES];
    memset(iso, 0, sizeof iso);
    rc = resolve_chain_isolated(&c, iso, 10, &why, err);
    CHECK(rc == 0 && why == RESOLVE_OK && memcmp(iso, out, 2 * sizeof *out) == 0,
          "resolve_chain_isolated gives the same stages", "rc %d why %d err '%s'", rc, why, err);

    static const struct {
        const char *chain;
        enum resolve_error why;
        const char *want, *name;
    } bad[] = {
        {"identity,no_such_filter", RESOLVE_USAGE, "unknown filter 'no_such_filter'",
         "isolated: unknown filter is a usage error"},
        {"wrong_abi", RESOLVE_MODULE, "ABI version 3", "isolated: wrong_abi is a module error"},
        {"imports_host", RESOLVE_MODULE, "env.host_write",
         "isolated: a module with imports is a module error"},
        {"gaussian_blur:sigma=99", RESOLVE_USAGE, "out of range",
         "isolated: a param out of range is a usage error"},
        {"sharpen:radius=1", RESOLVE_USAGE, "unknown parameter 'radius'",
         "isolated: an unknown param is a usage error"},
        {"./mine.wasm", RESOLVE_MODULE, "./mine.wasm: No such file",
         "isolated: a missing module path is a module error naming it"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        chain_parse(bad[k].chain, &c, err);
        why = RESOLVE_OK;
        err[0] = '\0';
        rc = resolve_chain_isolated(&c, iso, 10, &why, err);
        CHECK(rc == -1 && why == bad[k].why && has(bad[k].want), bad[k].name,
              "rc %d why %d err '%s'", rc, why, err);
    }
    chain_parse("wrong_abi", &c, err);
    rc = resolve_chain(&c, out, &why, err);
    CHECK(rc == -1 && why == RESOLVE_MODULE && has("wrong_abi"),
          "resolve_chain in process: wrong_abi", "rc %d why %d err '%s'", rc, why, err);

    /* the native backend resolves to the same stages, with the native objects' hashes */
    struct filter_module *mods[CHAIN_MAX_STAGES] = {0};
    chain_parse("gaussian_blur:sigma=2,sharpen", &c, err);
    rc = resolve_chain_loaded(&c, FILTER_NATIVE, iso, mods, &why, err);
    CHECK(rc == 0 && iso[0].halo == 6 && iso[1].halo == 3 && mods[0] && mods[1] &&
              hash_equal(&iso[0].hash, filter_module_hash(mods[0])) &&
              !hash_equal(&iso[0].hash, &gh),
          "resolve_chain_loaded native", "rc %d err '%s'", rc, err);
    for (int k = 0; k < CHAIN_MAX_STAGES; k++)
        filter_unload(mods[k]);
}

int main(void)
{
    if (find_build() < 0) {
        printf("skip - filter tests: build/filters not found (make filters)\n");
        return 0;
    }
    char fp[2 * PATH_MAX + 16];
    snprintf(fp, sizeof fp, "%s:%s/hostile", fdir, fdir);
    setenv("TILESPOOL_FILTER_PATH", fp, 1);
    filter_runtime_init();

    test_find_load();
    test_describe();
    test_bind();
    test_halo();
    test_process();
    test_mem();
    test_memory_cap();
    test_many_instances();
    test_parse_desc();
    test_resolve();
    CHECK_DONE();
}
