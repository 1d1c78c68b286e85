/*
 * runfilter - run a filter chain on a whole image in one process, with the
 * sandboxed (wasm2c) or the native build of the filters.  No spool, no
 * tiles: the reference that the pipeline and the sandbox are compared to.
 *
 *     runfilter [--native] [--repeat N] [--time] [--call-only] -f CHAIN IN OUT
 *
 * --time prints "filter_ms=<median of N runs>" on stderr: each run makes
 * fresh instances and places the input, as the worker does per tile.
 *
 * --call-only (a chain of one filter) measures the filter alone, the same
 * way for both backends: one instance is made and the input placed once
 * (the whole image as one tile, planned and laid out as the worker does),
 * then the stage is run N times on it (stage_op_run: tsf_run, or
 * tsf_process for an ABI v1 module); with --time it prints
 *     call_ms=<median wall> cpu_ms=<median thread CPU time>
 *     mpix=<output megapixels> ms_per_mp=<cpu_ms per megapixel>
 * The CPU time leaves out the time the process waits for a core, most of
 * the noise on a busy machine.
 * The calls go through call_once(), which nothing else calls, so that
 *     valgrind --tool=callgrind --toggle-collect=call_once runfilter ...
 * counts the instructions of the N calls and nothing else.  Scratch that
 * a filter allocates is never freed within an instance, so every call
 * gets fresh scratch pages, in both backends alike.
 *
 * Exit 0 ok, 2 usage, 3 input or filter error, 4 output error.
 */
#include "err.h"
#include "exec.h"
#include "global.h"
#include "image.h"
#include "pad.h"
#include "progress.h"
#include "resolve.h"
#include "stage_ops.h"

#include <getopt.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

struct cmdline {
    enum filter_backend backend;
    const char *chain, *in, *out;
    int repeat, time, call_only;
};

struct image {
    struct img_info info;
    uint8_t *px;
};

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    static const struct option lo[] = {{"native", 0, 0, 'n'}, {"repeat", 1, 0, 'r'},
                                       {"time", 0, 0, 'T'}, {"filter", 1, 0, 'f'},
                                       {"call-only", 0, 0, 'c'}, {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->backend = FILTER_WASM;
    c->repeat = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "f:", lo, NULL)) != -1) {
        switch (opt) {
        case 'n': c->backend = FILTER_NATIVE; break;
        case 'r': c->repeat = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'T': c->time = 1; break;
        case 'c': c->call_only = 1; break;
        case 'f': c->chain = optarg; break;
        default: return -1;
        }
    }
    if (!c->chain || argc - optind != 2)
        return errf_usage("usage: runfilter [--native] [--repeat N] [--time] [--call-only] "
                          "-f CHAIN IN OUT");
    c->in = argv[optind];
    c->out = argv[optind + 1];
    return 0;
}

static int load_image(const char *path, struct image *im, char *err)
{
    img_reader *r = img_open(path, 1ull << 30, &im->info, err);
    if (!r)
        return -1;
    size_t n = (size_t)im->info.width * im->info.height * im->info.channels;
    im->px = malloc(n);
    int rc = im->px ? img_read_rows(r, im->px, im->info.height, err)
                    : errf(err, "%s: out of memory", path);
    img_close(r);
    return rc;
}

/* fill_rect - rectangle *r of the image (overlapping it), replicate-padded,
 * into dst. */
static int fill_rect(const struct image *im, const struct plan_rect *r, uint8_t *dst, char *err)
{
    size_t ch = (size_t)im->info.channels;
    int64_t x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
    int64_t x1 = r->x + r->w < im->info.width ? r->x + r->w : im->info.width;
    int64_t y1 = r->y + r->h < im->info.height ? r->y + r->h : im->info.height;
    for (int64_t y = y0; y < y1; y++)
        memcpy(dst + ((size_t)(y - r->y) * r->w + (size_t)(x0 - r->x)) * ch,
               im->px + ((size_t)y * im->info.width + (size_t)x0) * ch, (size_t)(x1 - x0) * ch);
    struct pad_rect pr = {r->x, r->y, r->w, r->h};
    pad_replicate(dst, &pr, (int)ch, im->info.width, im->info.height);
    (void)err;
    return 0;
}

static int save_image(const char *path, const struct image *im, const uint8_t *px, char *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return errf_sys(err, "%s", path);
    struct img_write_opts o;
    img_default_opts(&o);
    /* netpbm by extension (cheap to write under valgrind), PNG otherwise */
    enum img_format fmt = img_format_from_path(path) == IMG_PNM ? IMG_PNM : IMG_PNG;
    img_writer *w = img_create(f, path, fmt, im->info.width, im->info.height,
                               im->info.channels, &o, err);
    int rc = w ? img_write_rows(w, px, im->info.height, err) : -1;
    rc = w ? (rc == 0 ? img_finish(w, err) : (img_abandon(w), -1)) : -1;
    if (fclose(f) != 0 && rc == 0)
        rc = errf_sys(err, "%s", path);
    return rc;
}

/* reference_stats - a global stage's reference image analysed whole
 * (into *ref, malloc'd), for exec_chain_stats; nothing without one. */
static int reference_stats(struct filter_module *const *mods, const struct stage_spec *stages,
                           int n, uint64_t **ref, char *err)
{
    struct image r = {0};
    *ref = NULL;
    for (int i = 0; i < n; i++) {
        if (!stages[i].ref_path[0])
            continue;
        int rc = load_image(stages[i].ref_path, &r, err);
        if (rc == 0 && !(*ref = malloc(8 * (size_t)stages[i].stats.nvalues)))
            rc = errf(err, "out of memory");
        if (rc == 0 && global_analyze(mods[i], &stages[i], r.info.channels, r.info.width,
                                      r.info.height, 0, r.px, NULL, NULL, 0, *ref,
                                      err) != EXEC_OK)
            rc = -1;
        free(r.px);
        return rc;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* median_ms - sort ms[0..n) and return the middle one. */
static double median_ms(double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    return ms[n / 2];
}

/* What fill_tile fills: want[0] of the one tile. */
struct tile_src {
    const struct image *im;
    struct plan_rect r;
};

/* fill_tile - exec_fill_fn: the tile's first rectangle, padded. */
static int fill_tile(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    const struct tile_src *t = ctx;
    (void)w;
    (void)h;
    return fill_rect(t->im, &t->r, dst, err);
}

/* run_chain - the whole chain c->repeat times on plan p's one tile, as
 * exec_chain runs a tile; out holds the last result.  Returns an exit
 * status. */
static int run_chain(const struct cmdline *c, struct filter_module **mods,
                     const struct stage_spec *stages, const struct plan *p, struct image *im,
                     const uint64_t *ref, struct exec_out *out, double *ms, char *err)
{
    struct plan_tile t;
    if (exec_plan_tile(mods, stages, p, 0, 0, 0, &t, err) != EXEC_OK)
        return EXIT_INPUT;
    struct tile_src src = {im, t.want[0]};
    for (int k = 0; k < c->repeat; k++) {
        exec_release(out);
        double t0 = now_seconds();
        /* the whole image is one tile: a global stage analyses it itself */
        struct exec_stats gs = {NULL, ref};
        if (exec_chain(mods, stages, p, &t, 0, p->nstages, ref ? &gs : NULL, 0, fill_tile,
                       &src, out, err) != EXEC_OK)
            return EXIT_INPUT;
        ms[k] = (now_seconds() - t0) * 1e3;
    }
    struct image res = *im;
    res.info.width = p->img[p->nstages].w;
    res.info.height = p->img[p->nstages].h;
    res.info.channels = p->img[p->nstages].ch;
    if (save_image(c->out, &res, out->px, err) < 0)
        return EXIT_SPOOL;
    if (c->time)
        fprintf(stderr, "filter_ms=%.3f\n", median_ms(ms, c->repeat));
    return EXIT_OK;
}

/* One stage set up in one instance for --call-only: its buffers laid
 * out as exec.c lays them out, run through stage_op_run as the worker
 * runs a stage. */
struct calls {
    struct filter_inst *fi;
    struct stage_call c;
};

/* calls_setup - an instance of stage 0 of plan p for its one tile t, with
 * the input (t's want[0], padded) placed, the params, the output buffer
 * and a v2 module's argument block; returns 0 or -1 (FILTER_TRAP if the
 * filter trapped) with err. */
static int calls_setup(struct filter_module *mod, const struct stage_spec *s,
                       const struct plan *p, const struct plan_tile *t, struct tile_src *src,
                       struct calls *k, char *err)
{
    struct stage_call *c = &k->c;
    c->in = p->img[0];
    c->out = p->img[1];
    c->in_rect = t->want[0];
    c->out_rect = t->out[0];
    uint64_t in_n = (uint64_t)c->in_rect.w * c->in_rect.h * plan_bytes_per_pixel(&c->in);
    uint64_t out_n = (uint64_t)c->out_rect.w * c->out_rect.h * plan_bytes_per_pixel(&c->out);
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS;
    uint32_t asize = stage_is_v2(s) ? FILTER_ARGS_BYTES : 0;
    int why, rc;
    if (in_n + out_n > UINT32_MAX - 65536)
        return errf(err, "%s: image too large for a 32-bit memory", s->name);
    if (!(k->fi = filter_instantiate(mod, 0, &why, err)))
        return why == FILTER_TRAP ? FILTER_TRAP : -1;
    if ((rc = filter_call_alloc(k->fi, (uint32_t)in_n, &c->in_px, err)) != 0 ||
        (rc = filter_call_alloc(k->fi, (uint32_t)out_n, &c->out_px, err)) != 0 ||
        (rc = filter_call_alloc(k->fi, psize, &c->params, err)) != 0 ||
        (asize && (rc = filter_call_alloc(k->fi, asize, &c->args, err)) != 0))
        return rc;
    uint8_t *pb = filter_mem(k->fi, c->params, psize, err), *in;
    if (!pb || !(in = filter_mem(k->fi, c->in_px, in_n, err)))
        return -1;
    memset(pb, 0, psize);
    memcpy(pb, s->params, sizeof(float) * (size_t)s->nparams);
    return exec_fill_guarded(k->fi, fill_tile, src, in, c->in_rect.w, c->in_rect.h, err);
}

/* call_once - one run of the stage (tsf_run, or tsf_process for a v1
 * module).  Kept out of line and called from nowhere else: callgrind's
 * --toggle-collect=call_once selects it. */
__attribute__((noinline)) static int call_once(const struct stage_spec *s, struct calls *k,
                                               int32_t *status, char *err)
{
    return stage_op_run(k->fi, s, &k->c, status, err);
}

/* cpu_seconds - this thread's CPU time. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* run_calls - --call-only: the one stage of plan p c->repeat times on one
 * instance, timing the calls alone (wall in ms[0..n), CPU in ms[n..2n)).
 * Returns an exit status. */
static int run_calls(const struct cmdline *c, struct filter_module *mod,
                     const struct stage_spec *s, const struct plan *p, struct image *im,
                     double *ms, char *err)
{
    struct calls k = {0};
    struct plan_tile t;
    int32_t status = 0;
    if (exec_plan_tile(&mod, s, p, 0, 0, 0, &t, err) != EXEC_OK)
        return EXIT_INPUT;
    struct tile_src src = {im, t.want[0]};
    int rc = calls_setup(mod, s, p, &t, &src, &k, err);
    for (int i = 0; i < c->repeat && rc == 0 && status == 0; i++) {
        double t0 = now_seconds(), c0 = cpu_seconds();
        rc = call_once(s, &k, &status, err);
        ms[c->repeat + i] = (cpu_seconds() - c0) * 1e3;
        ms[i] = (now_seconds() - t0) * 1e3;
    }
    if (rc == 0 && status != 0)
        rc = errf(err, "%s: %s returned %d (%s)", s->name,
                  stage_is_v2(s) ? "tsf_run" : "tsf_process", status, stage_status_text(status));
    const struct plan_image *o = &p->img[1];
    uint64_t out_n = (uint64_t)t.out[0].w * t.out[0].h * plan_bytes_per_pixel(o);
    const uint8_t *px = rc == 0 ? filter_mem(k.fi, k.c.out_px, out_n, err) : NULL;
    struct image res = *im;
    res.info.width = o->w;
    res.info.height = o->h;
    res.info.channels = o->ch;
    int st = !px ? EXIT_INPUT : save_image(c->out, &res, px, err) < 0 ? EXIT_SPOOL : EXIT_OK;
    if (st == EXIT_OK && c->time) {
        double mp = (double)o->w * o->h / 1e6;
        double wall = median_ms(ms, c->repeat), cpu = median_ms(ms + c->repeat, c->repeat);
        fprintf(stderr, "call_ms=%.3f cpu_ms=%.3f mpix=%.4f ms_per_mp=%.3f\n", wall, cpu, mp,
                cpu / mp);
    }
    filter_free(k.fi);
    return st;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    struct chain chain;
    struct stage_spec stages[CHAIN_MAX_STAGES];
    struct filter_module *mods[CHAIN_MAX_STAGES];
    struct plan p;
    struct image im = {0};
    uint64_t *ref = NULL;
    enum resolve_error why;
    char err[ERR_MAX];
    msg_set_program("runfilter");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    filter_runtime_init();
    if (chain_parse(c.chain, &chain, err) < 0 || load_image(c.in, &im, err) < 0 ||
        resolve_plan_loaded(&chain, c.backend,
                            &(struct plan_image){im.info.width, im.info.height,
                                                 im.info.channels, 8},
                            0, PLAN_MAX_RECT_PIXELS, stages, mods, &p, NULL, &why, err) < 0 ||
        reference_stats(mods, stages, chain.nstages, &ref, err) < 0) {
        msg_warn("%s", err);
        free(ref);
        free(im.px);
        return EXIT_INPUT;
    }
    int status = EXIT_USAGE;
    double *ms = calloc(2 * (size_t)c.repeat, sizeof *ms);
    struct exec_out out = {0};
    if (!ms)
        status = (errf(err, "out of memory"), EXIT_INPUT);
    else if (c.call_only && chain.nstages != 1)
        errf(err, "--call-only measures one filter, not a chain of %d", chain.nstages);
    else if (c.call_only)
        status = run_calls(&c, mods[0], &stages[0], &p, &im, ms, err);
    else
        status = run_chain(&c, mods, stages, &p, &im, ref, &out, ms, err);
    if (status != EXIT_OK)
        msg_warn("%s", err);
    exec_release(&out);
    for (int i = 0; i < chain.nstages; i++)
        filter_unload(mods[i]);
    free(ms);
    free(ref);
    free(im.px);
    return status;
}
