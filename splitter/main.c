/*
 * splitter - decode images (PNG, JPEG, netpbm, TIFF, WebP, GIF) and spool them as tiles.
 *
 * SYNOPSIS
 *     splitter --spool DIR -f CHAIN [-t SIZE] [--tile-format pnm|png] [-o OUT] IN...
 *     splitter --list-filters [--json]
 *
 * DESCRIPTION
 *     For each input, resolves and plans the filter chain (in a child
 *     process: that runs filter code), creates SPOOL/<job>/ with one tile
 *     file per output tile (the part of the source it needs through the
 *     chain, replicate-padded at the image edge), the input's metadata
 *     into meta/ (jobmeta.h), and job.json last.  A JPEG or PNG's EXIF
 *     orientation becomes stages at the start of the chain; a JPEG shrunk 4x or more by a first resize or
 *     thumbnail is decoded at 1/2, 1/4 or 1/8 size (docs/cli.md).  Prints one job id per input on stdout.  An
 *     input already spooled with the same content, chain and tiling is
 *     not split again: its job id is printed (--new forces a fresh job).
 *
 * DIAGNOSTICS
 *     One line per problem on stderr, naming the file and the cause.
 *     Exit 0 ok, 2 usage or bad parameters, 3 unreadable input or unusable
 *     filter, 4 spool or I/O error (docs/cli.md).
 */
#include "err.h"
#include "global.h"
#include "global_stats.h"
#include "hash.h"
#include "jobmeta.h"
#include "jobref.h"
#include "netpbm.h"
#include "resolve.h"
#include "split.h"
#include "usercache.h"

#include <assert.h>
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct cmdline {
    struct split_opts o;
    const char *chain_text;
    const char *output;
    int list_filters, json, durable, print_input, prune, strip;
    int read_stdin;         /* an input is "-" */
    char **inputs;
    int ninputs;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: splitter --spool DIR -f CHAIN [options] IN...\n"
        "       splitter --list-filters [--json]\n"
        "Cut images into tile files in a spool job; print one job id per input.\n"
        "Reads PNG, JPEG, netpbm, TIFF/BigTIFF, WebP and GIF; writes (-o) all but GIF,\n"
        "which is read only (with -o DIR a .gif input's result is named .png).\n"
        "IN may be - (standard input, alone, with -o OUT or -o -).\n"
        "  -s, --spool DIR        spool directory (default $TILESPOOL_SPOOL or ./spool)\n"
        "  -f, --filter CHAIN     name[:param=value...][,name...]\n"
        "  -t, --tile-size N      tile edge in pixels (default 256)\n"
        "      --tile-format F    pnm (default) or png\n"
        "  -o, --output PATH      output file (one input) or directory (several);\n"
        "                         - records none (the assembler's -o - --format F)\n"
        "      --max-pixels N     refuse larger images (default 268435456)\n"
        "      --depth 8          decode 16-bit inputs to 8 bits (else 16-bit stays 16)\n"
        "      --no-autorotate    keep pixels as stored, ignoring the EXIF orientation\n"
        "      --page N           page of a multi-page TIFF (frame of a GIF), 0 the first\n"
        "      --strip            write no metadata (ICC, Exif, XMP, resolution) in the output\n"
        "The output's encoder options (recorded in the job, the assembler may override):\n"
        IMG_WRITE_OPTIONS_HELP
        "      --new              make a new job even if one exists for this input\n"
        "      --no-keep          do not keep processed input tiles in done/\n"
        "      --durable          fsync files and directories before publishing\n"
        "  -q, --quiet            no progress line\n"
        "      --list-filters     list the filters found and their parameters\n"
        "      --json             with --list-filters: one JSON object per line\n"
        "      --prune            with --list-filters: first remove stale cached modules\n"
        "      --print-input      print \"JOB<TAB>INPUT\" instead of the job id\n"
        "  -h, --help, --version\n"
        "exit: 0 ok, 2 usage, 3 bad input or filter, 4 spool or I/O error\n");
}

/* parse_uint - a decimal number in [lo, hi] or -1. */
static long long parse_uint(const char *s, long long lo, long long hi)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    return end != s && *end == '\0' && v >= lo && v <= hi ? v : -1;
}

/* check_stdin - "-" (standard input) at most once, alone, with -o FILE
 * or -o -: it has no name to derive an output from; and -o - (standard
 * output, through the assembler) with one input.  Returns 0 or -1, said. */
static int check_stdin(struct cmdline *c)
{
    struct stat st;
    int dashes = 0, to_stdout = c->output && strcmp(c->output, "-") == 0;
    for (int i = 0; i < c->ninputs; i++)
        dashes += strcmp(c->inputs[i], "-") == 0;
    if (to_stdout && c->ninputs > 1)
        return errf_usage("-o -: standard output takes one image, not %d", c->ninputs);
    if (dashes > 1)
        return errf_usage("'-' (standard input) is given %d times: it can be read once", dashes);
    if (dashes && c->ninputs > 1)
        return errf_usage("'-' (standard input) goes alone: split the other inputs with "
                          "another command");
    if (dashes && !c->output)
        return errf_usage("-: an image from standard input has no file name to derive the "
                          "output's from: give -o OUT (or -o -)");
    if (dashes && !to_stdout && stat(c->output, &st) == 0 && S_ISDIR(st.st_mode))
        return errf_usage("-o %s: an image from standard input has no file name to write "
                          "in a directory: give -o FILE", c->output);
    if (dashes && isatty(STDIN_FILENO))
        return errf_usage("-: standard input is a terminal: pipe or redirect an image into it");
    c->read_stdin = dashes;
    return 0;
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_TF = 256, O_MAXPX, O_WOPT, O_PAGE, O_STRIP, O_NEW, O_NOKEEP, O_DUR, O_LIST, O_JSON, O_PRUNE, O_VER,
           O_PRINTIN, O_DEPTH, O_NOROT };
    static const struct option lo[] = {
        {"spool", 1, 0, 's'}, {"filter", 1, 0, 'f'}, {"tile-size", 1, 0, 't'},
        {"tile-format", 1, 0, O_TF}, {"output", 1, 0, 'o'}, {"max-pixels", 1, 0, O_MAXPX},
        IMG_WRITE_OPTIONS(O_WOPT), {"page", 1, 0, O_PAGE}, {"strip", 0, 0, O_STRIP},
        {"new", 0, 0, O_NEW},
        {"no-keep", 0, 0, O_NOKEEP}, {"durable", 0, 0, O_DUR}, {"quiet", 0, 0, 'q'},
        {"list-filters", 0, 0, O_LIST}, {"json", 0, 0, O_JSON}, {"help", 0, 0, 'h'},
        {"prune", 0, 0, O_PRUNE},
        {"version", 0, 0, O_VER}, {"print-input", 0, 0, O_PRINTIN}, {"depth", 1, 0, O_DEPTH},
        {"no-autorotate", 0, 0, O_NOROT}, {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->o.spool = jobref_default_spool();
    c->o.tile_size = 256;
    c->o.max_pixels = 1ull << 28;
    c->o.keep_done = 1;
    c->o.autorotate = 1;
    img_default_opts(&c->o.out_opts);
    int opt, at;
    opterr = 0;     /* bad_option() says it in one line */
    long long v;
    char err[ERR_MAX];
    while ((opt = getopt_long(argc, argv, "s:f:t:o:qh", lo, &at)) != -1) {
        switch (opt) {
        case 's': c->o.spool = optarg; break;
        case 'f': c->chain_text = optarg; break;
        case 'o': c->output = optarg; break;
        case 'q': c->o.quiet = 1; break;
        case 't':
            if ((v = parse_uint(optarg, 1, 1 << 20)) < 0)
                return errf_usage("-t: tile size must be 1..1048576, not '%s'", optarg);
            c->o.tile_size = (uint32_t)v;
            break;
        case O_TF:
            if (strcmp(optarg, "pnm") && strcmp(optarg, "ppm") && strcmp(optarg, "png"))
                return errf_usage("--tile-format: pnm or png, not '%s'", optarg);
            c->o.tile_format = strcmp(optarg, "png") == 0 ? TILE_PNG : TILE_PNM;
            break;
        case O_MAXPX:
            if ((v = parse_uint(optarg, 1, 1LL << 40)) < 0)
                return errf_usage("--max-pixels: not a positive number: '%s'", optarg);
            c->o.max_pixels = (uint64_t)v;
            break;
        case O_WOPT:
            if (img_write_opt(&c->o.out_opts, lo[at].name, optarg, err) < 0)
                return errf_usage("%s", err);
            break;
        case O_PAGE:
            if ((v = parse_uint(optarg, 0, 1 << 20)) < 0)
                return errf_usage("--page: a page number from 0 (the first), not '%s'", optarg);
            c->o.page = (uint32_t)v;
            break;
        case O_STRIP: c->strip = 1; break;
        case O_DEPTH:
            if (strcmp(optarg, "8") != 0)
                return errf_usage("--depth: only 8 (16-bit inputs stay 16-bit without it), "
                                  "not '%s'", optarg);
            c->o.depth8 = 1;
            break;
        case O_NOROT: c->o.autorotate = 0; break;
        case O_NEW: c->o.force_new = 1; break;
        case O_NOKEEP: c->o.keep_done = 0; break;
        case O_DUR: c->durable = 1; break;
        case O_LIST: c->list_filters = 1; break;
        case O_JSON: c->json = 1; break;
        case O_PRUNE: c->prune = 1; break;
        case O_PRINTIN: c->print_input = 1; break;
        case 'h': usage(stdout); exit(EXIT_OK);
        case O_VER: printf("splitter (tilespool) %s\n", TS_VERSION); exit(EXIT_OK);
        default: return bad_option(argv);
        }
    }
    c->inputs = argv + optind;
    c->ninputs = argc - optind;
    if (c->list_filters)
        return 0;
    if (!c->chain_text)
        return errf_usage("no filter chain: give -f CHAIN (e.g. -f grayscale)");
    if (c->ninputs == 0)
        return errf_usage("no input images");
    if (check_stdin(c) < 0)
        return -1;
    struct stat st;
    if (c->output && strcmp(c->output, "-") != 0 &&
        !(stat(c->output, &st) == 0 && S_ISDIR(st.st_mode)) &&
        !img_format_writable(img_format_from_path(c->output)))
        return errf_usage("-o %s: the output must end in .png, .jpg/.jpeg, "
                          ".pnm/.ppm/.pgm/.pam, .tif/.tiff or .webp", c->output);
    return 0;
}

/* output_for - where the assembler writes input's result by default. */
static int output_for(const struct cmdline *c, const char *input, char *out, char *err)
{
    out[0] = '\0';
    if (!c->output || strcmp(c->output, "-") == 0)
        return 0;       /* -o -: the assembler is given -o - and --format */
    struct stat st;
    int is_dir = stat(c->output, &st) == 0 && S_ISDIR(st.st_mode);
    if (c->ninputs > 1 && !is_dir)
        return errf(err, "-o %s: with several inputs, -o must be an existing directory",
                    c->output);
    const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
    /* GIF is read only: a .gif input's result is written as .png */
    int gif = img_format_from_path(base) == IMG_GIF;
    int n = is_dir && gif ? snprintf(out, PATH_MAX, "%s/%.*s.png", c->output,
                                     (int)(strrchr(base, '.') - base), base)
            : is_dir ? snprintf(out, PATH_MAX, "%s/%s", c->output, base)
                   : snprintf(out, PATH_MAX, "%s", c->output);
    return n < PATH_MAX ? 0 : errf(err, "%s: path too long", c->output);
}

/* describe_input - fill the source and tiling part of m from the image
 * and the plan. */
static int describe_input(const struct cmdline *c, const char *input, const struct img_info *info,
                          struct manifest *m, char *err)
{
    m->source = *info;
    m->source_format = info->format;
    m->source_page = c->o.page;
    if (strcmp(input, "-") == 0 || !realpath(input, m->source_path))
        snprintf(m->source_path, sizeof m->source_path, "%s", stdin_name(input));
    if (hash_file(stdin_path(&c->o, input), &m->source_hash, &m->source_size, err) < 0)
        return -1;
    m->tile_size = c->o.tile_size;
    m->tile_format = c->o.tile_format;
    snprintf(m->tile_ext, sizeof m->tile_ext, "%s", manifest_tile_ext(m));
    m->cols = m->plan.cols;
    m->rows = m->plan.rows;
    uint32_t most = m->cols > m->rows ? m->cols : m->rows;
    m->digits = 1;
    for (uint32_t v = most - 1; v >= 10; v /= 10)
        m->digits++;
    m->halo = 0;
    for (int i = 0; i < m->nstages; i++)
        m->halo += m->stages[i].halo;
    return manifest_key(m, &m->key, err);
}

/* print_job - the job id on stdout, with the input after a tab if asked. */
static void print_job(const struct cmdline *c, const char *job, const char *input)
{
    if (c->print_input)
        printf("%s\t%s\n", job, input);
    else
        printf("%s\n", job);
    fflush(stdout);
}

/* open_job - find the input's job, or create it and lock it (*jobfd) for
 * the split.  Under the spool's lock, so that two splitters of one input
 * neither both split it nor remove each other's job half-way: a job
 * without job.json whose lock is held is being split, and we wait for it
 * and look again.  Returns 1 found, 0 created, -1 with err on error. */
static int open_job(const struct cmdline *c, const char *input, struct manifest *m,
                    int *jobfd, char *err)
{
    char jobdir[PATH_MAX];
    *jobfd = -1;
    for (;;) {
        int spoolfd, found, r;
        if (spool_dir_create(c->o.spool, err) < 0 ||
            (r = spool_lock(c->o.spool, 1, &spoolfd, err)) < 0)
            return -1;
        if (r > 0)
            return errf(err, "%s: spool directory vanished", c->o.spool);
        found = c->o.force_new ? 0 : job_find(c->o.spool, m, m->job, err);
        if (found == 0 && (output_for(c, input, m->output_path, err) < 0 ||
                           job_new_id(c->o.spool, m, m->job, err) < 0 ||
                           spool_job_create(c->o.spool, m->job, err) < 0 ||
                           spool_path(jobdir, c->o.spool, m->job, NULL, err) < 0 ||
                           (r = spool_lock(jobdir, 0, jobfd, err)) < 0))
            found = -1;
        else if (found == 0 && r > 0)
            found = errf(err, "%s: job directory taken over while being created", jobdir);
        close(spoolfd);
        if (found != 2)
            return found;
        msg_info("job %s: another splitter is splitting %s, waiting for it", m->job,
                 stdin_name(input));
        if (spool_path(jobdir, c->o.spool, m->job, NULL, err) < 0 ||
            (r = spool_lock(jobdir, 1, &spoolfd, err)) < 0)
            return -1;
        if (r == 0)
            close(spoolfd);
    }
}

/* check_global - at most one global stage; its reference image, if it
 * takes one, must be a readable image: made absolute and hashed (the
 * job key covers its content).  Returns an exit status. */
static int check_global(struct manifest *m, char *err)
{
    int g = manifest_global_stage(m);
    for (int i = g + 1; g >= 0 && i < m->nstages; i++)
        if (strcmp(m->stages[i].kind, "global") == 0)
            return errf(err, "filter chain: only one global filter per chain (%s and %s)",
                        m->stages[g].name, m->stages[i].name), EXIT_USAGE;
    struct stage_spec *s = g >= 0 ? &m->stages[g] : NULL;
    if (!s || !s->ref_path[0])
        return EXIT_OK;
    char abs[PATH_MAX], e2[ERR_MAX];
    struct img_info info;
    FILE *f = spool_fopen_input(s->ref_path, e2);
    img_reader *r = f ? img_open_fp(f, s->ref_path, 0, &info, e2) : NULL;
    if (!r || !realpath(s->ref_path, abs) || hash_file(abs, &s->ref_hash, NULL, e2) < 0) {
        img_close(r);
        return errf(err, "filter %s: reference image: %s", s->name, e2), EXIT_INPUT;
    }
    img_close(r);
    snprintf(s->ref_path, sizeof s->ref_path, "%s", abs);
    return EXIT_OK;
}

/* exit_status_of - the exit status for a failure of class rc (err.h). */
static int exit_status_of(int rc)
{
    assert(rc == ERR_SYSTEM || rc == ERR_BAD_INPUT);
    return rc == ERR_BAD_INPUT ? EXIT_INPUT : EXIT_SPOOL;
}

/* struct reference_dest - where the reference image's statistics go. */
struct reference_dest {
    const char *jobdir;
    const struct stage_spec *s;
    int g;
};

/* publish_reference - stats/reference.<g> of the job (global_publish_fn);
 * returns 0 or -1. */
static int publish_reference(void *ctx, const uint64_t *block, char *err)
{
    const struct reference_dest *d = ctx;
    char name[GLOBAL_NAME_MAX];
    global_stats_name("reference", d->g, name);
    return global_stats_write(d->jobdir, name, d->s, block, err);
}

/* reference_stats - the reference image's statistics for a new job;
 * returns 0 or an error class. */
static int reference_stats(const struct manifest *m, const char *jobdir, char *err)
{
    int g = manifest_global_stage(m);
    if (g < 0 || !m->stages[g].ref_path[0])
        return 0;
    struct reference_dest d = {jobdir, &m->stages[g], g};
    return global_reference(jobdir, &m->stages[g], 300, publish_reference, &d, err);
}

/* listable - 1 if input can be printed as one "JOB<TAB>INPUT" line; if
 * not, says so in one line (control characters shown as '?'). */
static int listable(const char *input)
{
    char shown[256];
    size_t n = 0;
    if (!strpbrk(input, "\t\n\r"))
        return 1;
    for (const char *p = input; *p && n < sizeof shown - 1; p++)
        shown[n++] = (unsigned char)*p < ' ' ? '?' : *p;
    shown[n] = '\0';
    msg_warn("%s: a file name with a tab or a line break cannot be listed "
             "(--print-input): not split, rename it", shown);
    return 0;
}

/* check_webp_size - a .webp output larger than WebP's limit is refused
 * now, before a tile is cut or filtered, not by the assembler at the end.
 * Returns an exit status. */
static int check_webp_size(const struct cmdline *c, const char *input,
                           const struct manifest *m, char *err)
{
    char out[PATH_MAX];
    const struct plan_image *im = &m->plan.img[m->nstages];
    if (output_for(c, input, out, err) < 0)
        return EXIT_USAGE;
    if (img_format_from_path(out) != IMG_WEBP ||
        (im->w <= IMG_WEBP_SIDE_MAX && im->h <= IMG_WEBP_SIDE_MAX))
        return EXIT_OK;
    return errf(err, "%s: webp: the result is %ux%u, over WebP's limit of %d pixels a side: "
                "write PNG or TIFF", out, im->w, im->h, IMG_WEBP_SIDE_MAX), EXIT_USAGE;
}

/* open_input - the input's chain resolved and planned (prepare.c), then
 * the input opened for decoding at full size and depth (unless --depth 8
 * or shrink-on-load say otherwise).  Returns an exit status; on EXIT_OK
 * *r and *first are the caller's. */
static int open_input(const struct cmdline *c, const struct chain *user, const char *input,
                      img_reader **r, struct img_info *info, struct manifest *m,
                      struct plan_rect **first, char *err)
{
    *r = NULL;
    int status = prepare_input(&c->o, user, input, info, m, first, err);
    if (status == EXIT_OK)
        status = check_webp_size(c, input, m, err);
    if (status == EXIT_OK)
        status = check_global(m, err);
    if (status == EXIT_OK && describe_input(c, input, info, m, err) < 0)
        status = EXIT_INPUT;
    if (status == EXIT_OK) {
        struct img_open_opts oo = {c->o.max_pixels, !c->o.depth8, info->shrink, c->o.page};
        struct img_info again;
        FILE *f = spool_fopen_input(stdin_path(&c->o, input), err);
        *r = f ? img_open_opts_fp(f, stdin_name(input), &oo, &again, err) : NULL;
        if (!*r)
            status = EXIT_INPUT;
        else if (again.width != info->width || again.height != info->height ||
                 again.channels != info->channels || again.depth != info->depth)
            status = (errf(err, "%s: changed while being split", stdin_name(input)),
                      EXIT_INPUT);
    }
    if (status != EXIT_OK) {
        img_close(*r);
        *r = NULL;
        free(*first);
        *first = NULL;
    }
    return status;
}

/* spool_input - split one input; prints its job id.  Returns an exit status. */
static int spool_input(const struct cmdline *c, const struct chain *user, const char *input,
                       struct manifest *m)
{
    char err[ERR_MAX], jobdir[PATH_MAX] = "";
    struct img_info info;
    struct plan_rect *first;
    img_reader *r;
    int jobfd;
    if (c->print_input && !listable(input))
        return EXIT_INPUT;
    int status = open_input(c, user, input, &r, &info, m, &first, err);
    if (status != EXIT_OK) {
        msg_warn("%s", err);
        return status;
    }
    int found = open_job(c, input, m, &jobfd, err);
    if (found != 0) {
        img_close(r);
        free(first);
        if (found < 0)
            msg_warn("%s", err);
        else
            print_job(c, m->job, input);
        return found < 0 ? EXIT_SPOOL : EXIT_OK;
    }
    manifest_utc_now(m->created);
    int rc;
    if (spool_path(jobdir, c->o.spool, m->job, NULL, err) < 0 ||
        (manifest_global_stage(m) >= 0 && spool_job_create_global(jobdir, err) < 0))
        status = EXIT_SPOOL;
    else if ((rc = cut_tiles(r, m, first, jobdir, c->o.quiet, err)) < 0)
        status = exit_status_of(rc);
    else if ((rc = reference_stats(m, jobdir, err)) < 0)
        status = exit_status_of(rc);
    /* the pixels are turned upright: the Exif must not turn them again */
    else if (jobmeta_save(jobdir, img_reader_meta(r), c->o.autorotate && info.orientation != 1,
                          &m->source_meta, err) < 0)
        status = EXIT_SPOOL;
    else if (manifest_save(m, jobdir, err) < 0)
        status = EXIT_SPOOL;
    img_close(r);
    free(first);
    if (status != EXIT_OK) {
        char e2[ERR_MAX];
        msg_warn("%s", err);
        if (jobdir[0] && spool_job_remove(jobdir, e2) < 0)
            msg_warn("%s (the incomplete job is removed by the next run)", e2);
    } else {
        print_job(c, m->job, input);
    }
    close(jobfd);       /* the job is complete, or gone: others may look */
    return status;
}

/* page_suffix - for an input "FILE[page=N]" that does not exist as
 * named: FILE in path and N in *page (else path is arg, *page kept).
 * Returns 0, or -1 with err filled if the name is too long. */
static int page_suffix(const char *arg, char *path, uint32_t *page, char *err)
{
    const char *open = strrchr(arg, '[');
    size_t n = strlen(arg);
    struct stat st;
    char *end;

    if (n >= PATH_MAX)
        return errf(err, "%.64s...: name too long", arg);
    memcpy(path, arg, n + 1);
    if (open == NULL || n < 8 || arg[n - 1] != ']' || strncmp(open, "[page=", 6) != 0
        || !isdigit((unsigned char)open[6]) || stat(arg, &st) == 0)
        return 0;
    unsigned long v = strtoul(open + 6, &end, 10);
    if (end != arg + n - 1 || v > UINT32_MAX)
        return 0;
    path[open - arg] = '\0';
    *page = (uint32_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    char err[ERR_MAX];
    msg_set_program("splitter");
    spool_fault_init("splitter");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    if (c.list_filters && c.prune) {
        int removed;
        if (usercache_prune(&removed, err) < 0)
            return msg_warn("%s", err), EXIT_SPOOL;
        msg_info("removed %d stale compiled module(s) from the cache", removed);
    }
    if (c.list_filters) {
        if (resolve_describe_all(stdout, c.json, err) == 0)
            return EXIT_OK;
        msg_warn("%s", err);
        return EXIT_INPUT;
    }
    spool_set_durable(c.durable);
    msg_set_quiet(c.o.quiet);
    struct chain chain;
    struct manifest *m = calloc(1, sizeof *m);
    if (!m)
        return msg_warn("out of memory"), EXIT_SPOOL;
    if (chain_parse(c.chain_text, &chain, err) < 0) {
        msg_warn("%s", err);
        free(m);
        return EXIT_USAGE;
    }
    /* once for all inputs: an unknown filter or a bad parameter is said
     * once, not per input (what depends on the input is said per input) */
    enum resolve_error why;
    if (resolve_chain_isolated(&chain, m->stages, resolve_describe_timeout(), &why, err) < 0) {
        msg_warn("%s", err);
        free(m);
        return why == RESOLVE_USAGE ? EXIT_USAGE : EXIT_INPUT;
    }
    m->version = MANIFEST_VERSION;
    snprintf(m->chain_text, sizeof m->chain_text, "%s", c.chain_text);
    m->output_opts = c.o.out_opts;
    m->keep_done = c.o.keep_done;
    m->strip = c.strip;
    int status = EXIT_OK, rc;
    struct spool_file in_copy = {0};
    if (c.read_stdin && (rc = stdin_copy(c.o.spool, &in_copy, err)) < 0) {
        msg_warn("%s", err);
        free(m);
        return exit_status_of(rc);
    }
    c.o.stdin_copy = c.read_stdin ? in_copy.tmp : NULL;
    for (int i = 0; i < c.ninputs; i++) {
        struct cmdline one = c;
        char path[PATH_MAX];
        int s = page_suffix(c.inputs[i], path, &one.o.page, err) < 0
                ? (msg_warn("%s", err), EXIT_USAGE) : spool_input(&one, &chain, path, m);
        if (status == EXIT_OK)
            status = s;
    }
    spool_file_abort(&in_copy);     /* read: the job has the tiles */
    free(m);
    return status;
}
