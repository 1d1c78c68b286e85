/*
 * NAME
 *	floor - the benchmark's floor: decode, filter, encode a list of
 *	images in one process, with the native build of the filters.
 *
 * SYNOPSIS
 *	floor [-w N] [-f CHAIN] [--png-level N] [--format EXT] [--procs] [--wasm]
 *	      [-q] -o OUTDIR IN...
 *
 * DESCRIPTION
 *	What a batch costs without the spool: each image is decoded straight
 *	into the filter's memory, run through the chain as one tile
 *	(exec_chain, as tests/tools/runfilter does), and encoded with the
 *	assembler's encoder settings (the same zlib level and libpng's
 *	adaptive row filter) to OUTDIR/<input file name>, its extension
 *	replaced by EXT if --format is given (png, jpg, ppm, pgm, pam, pnm:
 *	the format follows the extension, as for the assembler).  No tile files, no
 *	sandbox, no process start per image.
 *
 *	N workers (default 1) take the next image from a shared counter.
 *	A worker is a thread: the native filter SDK keeps its arena per
 *	thread (filters/tsf.h, NATIVE MODE), so the threads share one
 *	loaded copy of each module.  --wasm runs the sandboxed (wasm2c)
 *	modules in the same way, in this process: every call makes its own
 *	instance, and the runtime's only shared state on that path is its
 *	jump buffer for traps, so what it shows is the sandbox's cost
 *	without the spool or a process per worker.  Because that jump buffer
 *	is process-wide, a trap while two threads are in filters cannot be
 *	caught reliably: the floor is for trusted, bundled filters.  --procs
 *	makes each worker a forked process instead, which is safe for any
 *	module.
 *
 *	Unless -q, one line on stderr sums up the run:
 *	    floor: images=24 workers=2 mode=threads backend=native wall_s=...
 *	           decode_s=... filter_s=... encode_s=...   (one line)
 *	where the phase times are summed over the workers.
 *
 * DIAGNOSTICS
 *	Exit 0 ok, 2 usage or bad chain, 3 an image or a filter failed
 *	(the others are still done), 4 OUTDIR unusable.
 */
#include "err.h"
#include "progress.h"
#include "whole.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FLOOR_MAX_WORKERS 256

struct cmdline {
    const char *chain, *outdir, *format;
    int workers, procs, quiet;
    enum filter_backend backend;
    struct img_write_opts opts;
    char **inputs;
    int ninputs;
};

/* What the workers share; in MAP_SHARED memory so that forked workers
 * see it too. */
struct shared {
    unsigned next;                            /* the next input to take */
    int failed;                               /* some image failed */
    struct whole_times t[FLOOR_MAX_WORKERS];  /* per worker */
};

struct worker_arg {
    const struct cmdline *c;
    const struct whole_chain *wc;
    struct shared *sh;
    int id;
};

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_PNGL = 256, O_PROCS, O_WASM, O_FORMAT };
    static const struct option lo[] = {
        {"workers", 1, 0, 'w'}, {"filter", 1, 0, 'f'}, {"outdir", 1, 0, 'o'},
        {"png-level", 1, 0, O_PNGL}, {"format", 1, 0, O_FORMAT}, {"procs", 0, 0, O_PROCS}, {"wasm", 0, 0, O_WASM},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    static const char usage[] =
        "usage: floor [-w N] [-f CHAIN] [--png-level N] [--format EXT] [--procs] [--wasm] [-q] "
        "-o OUTDIR IN...";
    memset(c, 0, sizeof *c);
    c->chain = "identity";
    c->workers = 1;
    c->backend = FILTER_NATIVE;
    img_default_opts(&c->opts);
    int opt;
    char *end;
    while ((opt = getopt_long(argc, argv, "w:f:o:qh", lo, NULL)) != -1) {
        switch (opt) {
        case 'w':
            c->workers = (int)strtol(optarg, &end, 10);
            if (*end || c->workers < 1 || c->workers > FLOOR_MAX_WORKERS)
                return errf_usage("-w: '%s' is not a number of workers (1-%d)", optarg,
                                  FLOOR_MAX_WORKERS);
            break;
        case 'f': c->chain = optarg; break;
        case 'o': c->outdir = optarg; break;
        case O_PNGL:
            c->opts.png_level = (int)strtol(optarg, &end, 10);
            if (*end || c->opts.png_level < 0 || c->opts.png_level > 9)
                return errf_usage("--png-level: '%s' is not 0-9", optarg);
            break;
        case O_FORMAT:
            c->format = optarg;
            if (strchr(optarg, '/') || strchr(optarg, '.') || !*optarg)
                return errf_usage("--format: '%s' is not a file name extension", optarg);
            break;
        case O_PROCS: c->procs = 1; break;
        case O_WASM: c->backend = FILTER_WASM; break;
        case 'q': c->quiet = 1; break;
        case 'h': printf("%s\n", usage); exit(EXIT_OK);
        default: return errf_usage("%s", usage);
        }
    }
    if (!c->outdir || optind >= argc)
        return errf_usage("%s", usage);
    c->inputs = argv + optind;
    c->ninputs = argc - optind;
    return 0;
}

/* out_path - OUTDIR/<file name of in> into buf, its extension replaced
 * by format unless that is NULL; returns 0 or -1. */
static int out_path(const char *outdir, const char *in, const char *format, char *buf,
                    size_t n, char *err)
{
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    const char *dot = format ? strrchr(base, '.') : NULL;
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    if ((size_t)snprintf(buf, n, "%s/%.*s%s%s", outdir, len, base, format ? "." : "",
                         format ? format : "") >= n)
        return errf(err, "%s/%s: path too long", outdir, base);
    return 0;
}

/* work - a worker's loop: take inputs until none is left.  A trap ends
 * the worker (its process must not run filters again). */
static void *work(void *p)
{
    struct worker_arg *a = p;
    char err[ERR_MAX], out[4096];
    for (;;) {
        unsigned i = __atomic_fetch_add(&a->sh->next, 1, __ATOMIC_RELAXED);
        if (i >= (unsigned)a->c->ninputs)
            break;
        const char *in = a->c->inputs[i];
        int trapped = 0;
        if (out_path(a->c->outdir, in, a->c->format, out, sizeof out, err) < 0 ||
            whole_image(a->wc, in, out, &a->c->opts, 0, &a->sh->t[a->id], &trapped, err) < 0) {
            msg_warn("%s", err);
            __atomic_store_n(&a->sh->failed, 1, __ATOMIC_RELAXED);
            if (trapped)
                break;
        }
    }
    return NULL;
}

/* run_threads - the workers as threads; returns 0 or -1 with err. */
static int run_threads(struct worker_arg *args, int n, char *err)
{
    pthread_t tid[FLOOR_MAX_WORKERS];
    int started = 0, rc = 0;
    for (; started < n; started++) {
        int e = pthread_create(&tid[started], NULL, work, &args[started]);
        if (e != 0) {
            rc = errf(err, "cannot start a thread: %s", strerror(e));
            break;
        }
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return rc;
}

/* run_procs - the workers as forked processes; returns 0 or -1 with err
 * (also when a worker died). */
static int run_procs(struct worker_arg *args, int n, char *err)
{
    int started = 0, rc = 0, status;
    fflush(NULL);
    for (; started < n; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            rc = errf_sys(err, "fork");
            break;
        }
        if (pid == 0) {
            work(&args[started]);
            _exit(0);
        }
    }
    for (int i = 0; i < started; i++) {
        if (wait(&status) < 0)
            return errf_sys(err, "wait");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = errf(err, "a worker process died (status 0x%x)", status);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    struct whole_chain wc;
    enum resolve_error why;
    struct stat st;
    char err[ERR_MAX];
    msg_set_program("floor");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    if (stat(c.outdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        msg_warn("%s: %s", c.outdir, errno ? strerror(errno) : "not a directory");
        return EXIT_SPOOL;
    }
    if (c.backend == FILTER_WASM)
        filter_runtime_init();
    if (whole_load(c.chain, c.backend, &wc, &why, err) < 0) {
        msg_warn("%s", err);
        return why == RESOLVE_USAGE ? EXIT_USAGE : EXIT_INPUT;
    }
    struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        msg_warn("mmap: %s", strerror(errno));
        whole_unload(&wc);
        return EXIT_SPOOL;
    }
    struct worker_arg args[FLOOR_MAX_WORKERS];
    for (int i = 0; i < c.workers; i++)
        args[i] = (struct worker_arg){&c, &wc, sh, i};
    double t0 = now_seconds();
    int rc = c.procs ? run_procs(args, c.workers, err) : run_threads(args, c.workers, err);
    double wall = now_seconds() - t0;
    if (rc < 0)
        msg_warn("%s", err);
    struct whole_times sum = {0, 0, 0};
    for (int i = 0; i < c.workers; i++) {
        sum.decode += sh->t[i].decode;
        sum.filter += sh->t[i].filter;
        sum.encode += sh->t[i].encode;
    }
    if (!c.quiet)
        fprintf(stderr,
                "floor: images=%d workers=%d mode=%s backend=%s wall_s=%.4f decode_s=%.4f "
                "filter_s=%.4f encode_s=%.4f\n",
                c.ninputs, c.workers, c.procs ? "procs" : "threads",
                c.backend == FILTER_NATIVE ? "native" : "wasm2c", wall, sum.decode,
                sum.filter, sum.encode);
    int failed = rc < 0 || sh->failed;
    munmap(sh, sizeof *sh);
    whole_unload(&wc);
    return failed ? EXIT_INPUT : EXIT_OK;
}
