/*
 * runfilter - run a filter chain on a whole image in one process, with the
 * sandboxed (wasm2c) or the native build of the filters.  No spool, no
 * tiles: the reference that the pipeline and the sandbox are compared to.
 *
 *     runfilter [--native] [--repeat N] [--time] -f CHAIN IN OUT
 *
 * --time prints "filter_ms=<median of N runs>" on stderr.
 * Exit 0 ok, 2 usage, 3 input or filter error, 4 output error.
 */
#include "err.h"
#include "exec.h"
#include "global.h"
#include "image.h"
#include "pad.h"
#include "progress.h"
#include "resolve.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct cmdline {
    enum filter_backend backend;
    const char *chain, *in, *out;
    int repeat, time;
};

struct image {
    struct img_info info;
    uint8_t *px;
};

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    static const struct option lo[] = {{"native", 0, 0, 'n'}, {"repeat", 1, 0, 'r'},
                                       {"time", 0, 0, 'T'}, {"filter", 1, 0, 'f'},
                                       {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->backend = FILTER_WASM;
    c->repeat = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "f:", lo, NULL)) != -1) {
        switch (opt) {
        case 'n': c->backend = FILTER_NATIVE; break;
        case 'r': c->repeat = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
        case 'T': c->time = 1; break;
        case 'f': c->chain = optarg; break;
        default: return -1;
        }
    }
    if (!c->chain || argc - optind != 2)
        return errf_usage("usage: runfilter [--native] [--repeat N] [--time] -f CHAIN IN OUT");
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

/* fill_padded - exec_fill_fn: the whole image plus a replicated halo. */
static int fill_padded(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    const struct image *im = ctx;
    uint32_t H = (w - im->info.width) / 2, ch = (uint32_t)im->info.channels;
    struct pad_rect r = {-(int64_t)H, -(int64_t)H, w, h};
    for (uint32_t y = 0; y < im->info.height; y++)
        memcpy(dst + ((size_t)(y + H) * w + H) * ch, im->px + (size_t)y * im->info.width * ch,
               (size_t)im->info.width * ch);
    pad_replicate(dst, &r, (int)ch, im->info.width, im->info.height);
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
    img_writer *w = img_create(f, path, IMG_PNG, im->info.width, im->info.height,
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

int main(int argc, char **argv)
{
    struct cmdline c;
    struct chain chain;
    struct stage_spec stages[CHAIN_MAX_STAGES];
    struct filter_module *mods[CHAIN_MAX_STAGES];
    struct image im = {0};
    uint64_t *ref = NULL;
    enum resolve_error why;
    char err[ERR_MAX];
    msg_set_program("runfilter");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    filter_runtime_init();
    if (chain_parse(c.chain, &chain, err) < 0 ||
        resolve_chain_loaded(&chain, c.backend, stages, mods, &why, err) < 0 ||
        load_image(c.in, &im, err) < 0 ||
        reference_stats(mods, stages, chain.nstages, &ref, err) < 0) {
        msg_warn("%s", err);
        free(ref);
        free(im.px);
        return EXIT_INPUT;
    }
    int halo = 0, status = EXIT_OK;
    for (int i = 0; i < chain.nstages; i++)
        halo += stages[i].halo;
    struct exec_tile t = {im.info.width, im.info.height, im.info.channels, 0, 0,
                          im.info.width, im.info.height, halo};
    double *ms = calloc((size_t)c.repeat, sizeof *ms);
    struct exec_out out = {0};
    for (int k = 0; k < c.repeat && status == EXIT_OK; k++) {
        exec_release(&out);
        double t0 = now_seconds();
        /* the whole image is one tile: a global stage analyses it itself */
        struct exec_stats gs = {NULL, ref};
        if (exec_chain_stats(mods, stages, chain.nstages, &t, &gs, 0, fill_padded, &im, &out,
                             err) != EXEC_OK)
            status = EXIT_INPUT;
        ms[k] = (now_seconds() - t0) * 1e3;
    }
    if (status == EXIT_OK && save_image(c.out, &im, out.px, err) < 0)
        status = EXIT_SPOOL;
    if (status != EXIT_OK)
        msg_warn("%s", err);
    else if (c.time) {
        qsort(ms, (size_t)c.repeat, sizeof *ms, cmp_double);
        fprintf(stderr, "filter_ms=%.3f\n", ms[c.repeat / 2]);
    }
    exec_release(&out);
    for (int i = 0; i < chain.nstages; i++)
        filter_unload(mods[i]);
    free(ms);
    free(ref);
    free(im.px);
    return status;
}
