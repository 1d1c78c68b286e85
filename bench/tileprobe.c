/*
 * NAME
 *	tileprobe - what one worker child pays per tile for a filter chain:
 *	the cold start, the first tile and the warm tiles after it.
 *
 * SYNOPSIS
 *	tileprobe [--native] [-t SIZE] [-n TILES] [-r REPS] -f CHAIN IN
 *
 * DESCRIPTION
 *	Decodes IN, then in this (fresh) process: loads the chain (dlopen,
 *	module check, an instance to describe it and ask a version 1
 *	module's halo; for the sandbox also the wasm2c runtime's start),
 *	runs it on the first SIZE x SIZE output tile (default 256) with the
 *	input rectangle its plan asks for, as the worker does (exec_chain:
 *	fresh instances per tile), then on TILES more tiles (default 50)
 *	taken in turn across the output, and times a bare instantiate +
 *	free.  No files are written: tile I/O is not counted.  Last, the
 *	first stage alone on the whole image as one tile (stage_op_run:
 *	tsf_run, or a version 1 module's tsf_process): one instance, its
 *	input placed once, one call to fault its memory in, then REPS timed
 *	calls (default 15).  Prints one line on stdout:
 *
 *	    load_us=.. first_tile_us=.. cold_us=.. warm_tile_us=.. inst_us=..
 *	    process_ms_per_mp=.. maxrss_kib=..                    (one line)
 *
 *	cold_us = load_us + first_tile_us; warm_tile_us, inst_us and
 *	process_ms_per_mp (per megapixel of output) are medians; maxrss_kib
 *	is this process's peak resident set.
 *
 * DIAGNOSTICS
 *	Exit 0 ok, 2 usage or bad chain, 3 input or filter error.
 */
#include "err.h"
#include "progress.h"
#include "stage_ops.h"
#include "whole.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

struct cmdline {
    const char *chain, *in;
    enum filter_backend backend;
    uint32_t size;
    int tiles, reps;
};

struct image {
    struct img_info info;
    uint8_t *px;
};

/* What fill_tile copies: the image and the tile's padded rectangle. */
struct tile_src {
    const struct image *im;
    int64_t x0, y0;     /* image coordinate of the buffer's first pixel */
};

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    static const struct option lo[] = {{"native", 0, 0, 'N'}, {"filter", 1, 0, 'f'},
                                       {"tile-size", 1, 0, 't'}, {"tiles", 1, 0, 'n'},
                                       {"repeat", 1, 0, 'r'}, {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->backend = FILTER_WASM;
    c->size = 256;
    c->tiles = 50;
    c->reps = 15;
    int opt;
    while ((opt = getopt_long(argc, argv, "f:t:n:r:", lo, NULL)) != -1) {
        switch (opt) {
        case 'N': c->backend = FILTER_NATIVE; break;
        case 'f': c->chain = optarg; break;
        case 't': c->size = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'n': c->tiles = atoi(optarg); break;
        case 'r': c->reps = atoi(optarg); break;
        default: return -1;
        }
    }
    if (!c->chain || c->size < 1 || c->tiles < 1 || c->reps < 1 || argc - optind != 1)
        return errf_usage("usage: tileprobe [--native] [-t SIZE] [-n TILES] [-r REPS] -f CHAIN IN");
    c->in = argv[optind];
    return 0;
}

static int load_image(const char *path, struct image *im, char *err)
{
    img_reader *r = img_open(path, 1ull << 30, &im->info, err);
    if (!r)
        return -1;
    im->px = malloc((size_t)im->info.width * im->info.height * im->info.channels);
    int rc = im->px ? img_read_rows(r, im->px, im->info.height, err)
                    : errf(err, "%s: out of memory", path);
    img_close(r);
    return rc;
}

/* fill_tile - exec_fill_fn: the tile's input rectangle, edges replicated. */
static int fill_tile(void *ctx, uint8_t *dst, uint32_t w, uint32_t h, char *err)
{
    const struct tile_src *s = ctx;
    const struct img_info *in = &s->im->info;
    size_t ch = (size_t)in->channels;
    for (uint32_t y = 0; y < h; y++) {
        int64_t sy = s->y0 + y;
        sy = sy < 0 ? 0 : sy >= in->height ? in->height - 1 : sy;
        const uint8_t *row = s->im->px + (size_t)sy * in->width * ch;
        for (uint32_t x = 0; x < w; x++) {
            int64_t sx = s->x0 + x;
            sx = sx < 0 ? 0 : sx >= in->width ? in->width - 1 : sx;
            memcpy(dst + ((size_t)y * w + x) * ch, row + (size_t)sx * ch, ch);
        }
    }
    (void)err;
    return 0;
}

/* one_tile - run the chain on tile k of the grid; returns seconds (the
 * planning of the job left out) or -1. */
static double one_tile(const struct whole_chain *wc, const struct image *im, uint32_t size,
                       unsigned k, char *err)
{
    const struct plan_image whole = {im->info.width, im->info.height, im->info.channels, 8};
    struct plan p;
    struct plan_tile t;
    enum resolve_error why;
    if (resolve_plan_stages(wc->mods, wc->stages, wc->nstages, &whole, size, PLAN_MAX_RECT_PIXELS,
                            &p, NULL, &why, err) < 0)
        return -1;
    k %= p.cols * p.rows;
    if (exec_plan_tile(wc->mods, wc->stages, &p, k / p.cols, k % p.cols, 0, &t, err) != EXEC_OK)
        return -1;
    struct tile_src src = {im, t.want[0].x, t.want[0].y};
    struct exec_out out;
    double t0 = now_seconds();
    enum exec_result rc = exec_chain(wc->mods, wc->stages, &p, &t, 0, wc->nstages, NULL, 0,
                                     fill_tile, &src, &out, err);
    exec_release(&out);
    return rc == EXEC_OK ? now_seconds() - t0 : -1;
}

/* The first stage set up in one instance, run again and again. */
struct probe {
    struct filter_inst *fi;
    struct stage_call c;
};

/* place_whole - an instance of the first stage with the whole image as its
 * one tile: the plan's input rectangle placed (edges replicated), the
 * output buffer, params and a v2 module's argument block laid out as
 * exec.c lays them out.  Returns 0, or -1 with err. */
static int place_whole(const struct whole_chain *wc, const struct image *im, struct probe *k,
                       char *err)
{
    const struct stage_spec *s = &wc->stages[0];
    const struct plan_image whole = {im->info.width, im->info.height, im->info.channels, 8};
    struct stage_call *c = &k->c;
    struct plan p;
    struct plan_tile t;
    enum resolve_error why;
    if (resolve_plan_stages(wc->mods, wc->stages, 1, &whole, 0, PLAN_MAX_RECT_PIXELS, &p, NULL,
                            &why, err) < 0 ||
        exec_plan_tile(wc->mods, wc->stages, &p, 0, 0, 0, &t, err) != EXEC_OK)
        return -1;
    *c = (struct stage_call){.in = p.img[0], .out = p.img[1], .in_rect = t.want[0],
                             .out_rect = t.out[0]};
    uint64_t in_n = (uint64_t)c->in_rect.w * c->in_rect.h * plan_bytes_per_pixel(&c->in);
    uint64_t out_n = (uint64_t)c->out_rect.w * c->out_rect.h * plan_bytes_per_pixel(&c->out);
    uint32_t psize = sizeof(float) * CHAIN_MAX_PARAMS;
    int why_inst;
    uint8_t *in, *pb;
    if (in_n + out_n > UINT32_MAX / 2)
        return errf(err, "%ux%u is too large for a 32-bit memory", c->in_rect.w, c->in_rect.h);
    if (!(k->fi = filter_instantiate(wc->mods[0], 0, &why_inst, err)))
        return -1;
    if (filter_call_alloc(k->fi, (uint32_t)in_n, &c->in_px, err) != 0 ||
        filter_call_alloc(k->fi, (uint32_t)out_n, &c->out_px, err) != 0 ||
        filter_call_alloc(k->fi, psize, &c->params, err) != 0 ||
        (stage_is_v2(s) && filter_call_alloc(k->fi, FILTER_ARGS_BYTES, &c->args, err) != 0) ||
        !(in = filter_mem(k->fi, c->in_px, in_n, err)) ||
        !(pb = filter_mem(k->fi, c->params, psize, err)))
        return -1;
    memset(pb, 0, psize);
    memcpy(pb, s->params, sizeof(float) * (size_t)s->nparams);
    struct tile_src src = {im, c->in_rect.x, c->in_rect.y};
    return exec_fill_guarded(k->fi, fill_tile, &src, in, c->in_rect.w, c->in_rect.h, err);
}

/* process_only - the first stage alone on the whole image (stage_op_run:
 * tsf_run, or tsf_process for an ABI v1 module), after one untimed call;
 * returns the median ms per megapixel of output, or -1. */
static double process_only(const struct whole_chain *wc, const struct image *im, int reps,
                           char *err)
{
    const struct stage_spec *s = &wc->stages[0];
    struct probe k = {0};
    int32_t status = 0;
    double *t = calloc((size_t)reps, sizeof *t), med = -1;
    int ok = t && place_whole(wc, im, &k, err) == 0 &&
             stage_op_run(k.fi, s, &k.c, &status, err) == 0 && status == 0;
    for (int i = 0; i < reps && ok; i++) {
        double t0 = now_seconds();
        ok = stage_op_run(k.fi, s, &k.c, &status, err) == 0 && status == 0;
        t[i] = now_seconds() - t0;
    }
    if (ok)
        med = whole_median(t, reps) * 1e3 / ((double)k.c.out.w * k.c.out.h / 1e6);
    else if (!t)
        errf(err, "out of memory");
    else if (status != 0)
        errf(err, "filter %s: %s returned %d (%s)", s->name,
             stage_is_v2(s) ? "tsf_run" : "tsf_process", status, stage_status_text(status));
    filter_free(k.fi);
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    struct whole_chain wc;
    struct image im = {0};
    enum resolve_error why;
    char err[ERR_MAX];
    msg_set_program("tileprobe");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    if (load_image(c.in, &im, err) < 0) {
        msg_warn("%s", err);
        free(im.px);
        return EXIT_INPUT;
    }
    double t0 = now_seconds();
    if (c.backend == FILTER_WASM)
        filter_runtime_init();
    if (whole_load(c.chain, c.backend, &wc, &why, err) < 0) {
        msg_warn("%s", err);
        free(im.px);
        return why == RESOLVE_USAGE ? EXIT_USAGE : EXIT_INPUT;
    }
    double load = now_seconds() - t0;
    double first = one_tile(&wc, &im, c.size, 0, err);
    double *warm = calloc((size_t)c.tiles, sizeof *warm);
    double *inst = calloc((size_t)c.tiles, sizeof *inst);
    int status = first < 0 || !warm || !inst ? EXIT_INPUT : EXIT_OK;
    for (int k = 0; k < c.tiles && status == EXIT_OK; k++)
        if ((warm[k] = one_tile(&wc, &im, c.size, (unsigned)k + 1, err)) < 0)
            status = EXIT_INPUT;
    for (int k = 0; k < c.tiles && status == EXIT_OK; k++) {
        int why_inst;
        double t1 = now_seconds();
        struct filter_inst *fi = filter_instantiate(wc.mods[0], 0, &why_inst, err);
        if (!fi)
            status = EXIT_INPUT;
        filter_free(fi);
        inst[k] = now_seconds() - t1;
    }
    double proc = status == EXIT_OK ? process_only(&wc, &im, c.reps, err) : -1;
    if (proc < 0)
        status = EXIT_INPUT;
    if (status != EXIT_OK) {
        msg_warn("%s", err);
    } else {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("load_us=%.1f first_tile_us=%.1f cold_us=%.1f warm_tile_us=%.1f inst_us=%.1f "
               "process_ms_per_mp=%.4f maxrss_kib=%ld\n",
               load * 1e6, first * 1e6, (load + first) * 1e6,
               whole_median(warm, c.tiles) * 1e6, whole_median(inst, c.tiles) * 1e6, proc,
               ru.ru_maxrss);
    }
    free(warm);
    free(inst);
    whole_unload(&wc);
    free(im.px);
    return status;
}
