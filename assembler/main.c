/*
 * assembler - stitch a job's processed tiles into the output image.
 *
 * SYNOPSIS
 *     assembler --spool DIR --job ID [-o OUT] [--allow-partial] [-w N]
 *     assembler --spool DIR --job ID -o - --format F
 *     assembler --spool DIR --all [--outdir DIR] [--allow-partial]
 *
 * DESCRIPTION
 *     Reads out/ one row of tiles at a time and encodes PNG or JPEG (by
 *     the output's extension) into a temporary file beside the output,
 *     renamed into place only when complete: the output appears whole or
 *     not at all.  If tiles are missing or failed it refuses, listing
 *     them; --allow-partial fills them from the unprocessed source tiles
 *     and says so.  A PNG's image data is deflated in bands on -w
 *     threads (png_parallel.c), the same bytes for any count.  With -o - the image goes to standard output in the
 *     --format given, copied from a temporary in the job's tmp/ once
 *     whole: a failed job writes nothing there.
 *
 * DIAGNOSTICS
 *     Exit 0 written, 1 tiles missing or failed (nothing written), 2 usage,
 *     3 invalid job, 4 spool or I/O error.
 */
#include "assemble.h"
#include "err.h"
#include "jobref.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cmdline {
    const char *spool, *job, *output, *outdir, *format;
    int all;
    struct assemble_opts a;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: assembler [--spool DIR] --job ID [-o OUT] [options]\n"
        "       assembler [--spool DIR] --all [--outdir DIR] [options]\n"
        "Stitch processed tiles into the output image (its format by extension:\n"
        ".png, .jpg/.jpeg, .pnm/.ppm/.pgm/.pam, .tif/.tiff or .webp; GIF is not written).\n"
        "  -s, --spool DIR       spool directory (default $TILESPOOL_SPOOL or ./spool)\n"
        "  -j, --job ID          the job to assemble (or a unique prefix of its id or\n"
        "                        of its input file's name)\n"
        "  -o, --output PATH     output file (default: the path given to the splitter);\n"
        "                        - for standard output\n"
        "      --format F        with -o -: png, jpeg, pnm, ppm, pgm, pam, tiff or webp\n"
        "                        (default: the input's format; PNG for a GIF input)\n"
        "      --all             every complete job in the spool\n"
        "      --outdir DIR      with --all: write DIR/<output or input file name>\n"
        "      --allow-partial   fill missing or failed tiles from the source tiles\n"
        "      --strip           write no metadata (ICC, Exif, XMP, resolution)\n"
        "  -w, --threads N       threads encoding a PNG (default: number of CPUs, at most 8);\n"
        "                        the file is the same for any N\n"
        "Encoder options (default: the job's, given to the splitter):\n"
        IMG_WRITE_OPTIONS_HELP
        "      --durable         fsync the output and its directory\n"
        "  -q, --quiet           no progress or notes\n"
        "  -h, --help, --version\n"
        "exit: 0 written, 1 tiles missing or failed, 2 usage, 3 invalid job,\n"
        "      4 spool or I/O error\n");
}

/* parse_threads - -w's value, 1 to IMG_THREADS_MAX; returns 0 or -1 (said). */
static int parse_threads(const char *s, int *out)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || n < 1 || n > IMG_THREADS_MAX)
        return errf_usage("-w: not a number of threads (1-%d): '%s'", IMG_THREADS_MAX, s);
    *out = (int)n;
    return 0;
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_ALL = 256, O_OUTDIR, O_PARTIAL, O_WOPT, O_STRIP, O_DURABLE, O_VERSION, O_FORMAT };
    static const struct option lo[] = {
        {"spool", 1, 0, 's'}, {"job", 1, 0, 'j'}, {"output", 1, 0, 'o'},
        {"all", 0, 0, O_ALL}, {"outdir", 1, 0, O_OUTDIR}, {"allow-partial", 0, 0, O_PARTIAL},
        IMG_WRITE_OPTIONS(O_WOPT), {"strip", 0, 0, O_STRIP},
        {"durable", 0, 0, O_DURABLE}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, O_VERSION}, {"format", 1, 0, O_FORMAT}, {"threads", 1, 0, 'w'},
        {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->spool = jobref_default_spool();
    int opt, at;
    opterr = 0;     /* bad_option() says it in one line */
    char err[ERR_MAX];
    struct img_write_opts scratch;
    img_default_opts(&scratch);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* each thread holds two bands of about 4.5 MiB: past 8 threads the
     * default would trade the assembler's small, fixed memory for speed
     * on big machines; -w asks for more explicitly */
    c->a.threads = cpus < 1 ? 1 : cpus > ASSEMBLE_THREADS_DEFAULT_MAX
                   ? ASSEMBLE_THREADS_DEFAULT_MAX : (int)cpus;
    while ((opt = getopt_long(argc, argv, "s:j:o:w:qh", lo, &at)) != -1) {
        switch (opt) {
        case 's': c->spool = optarg; break;
        case 'j': c->job = optarg; break;
        case 'o': c->output = optarg; break;
        case 'q': c->a.quiet = 1; break;
        case 'w':
            if (parse_threads(optarg, &c->a.threads) < 0)
                return -1;
            break;
        case O_ALL: c->all = 1; break;
        case O_OUTDIR: c->outdir = optarg; break;
        case O_PARTIAL: c->a.allow_partial = 1; break;
        case O_DURABLE: spool_set_durable(1); break;
        case O_WOPT:
            if (img_write_opt(&scratch, lo[at].name, optarg, err) < 0)
                return errf_usage("%s", err);
            if (c->a.nwopts == ASSEMBLE_WOPTS_MAX)
                return errf_usage("more than %d encoder options", ASSEMBLE_WOPTS_MAX);
            c->a.wopt_name[c->a.nwopts] = lo[at].name;
            c->a.wopt_value[c->a.nwopts++] = optarg;
            break;
        case O_STRIP: c->a.strip = 1; break;
        case O_FORMAT: c->format = c->a.format = optarg; break;
        case 'h': usage(stdout); exit(EXIT_OK);
        case O_VERSION: printf("assembler (tilespool) %s\n", TS_VERSION); exit(EXIT_OK);
        default: return bad_option(argv);
        }
    }
    if (optind < argc)
        return errf_usage("unexpected argument '%s'", argv[optind]);
    if (!c->all == !c->job)
        return errf_usage("give either --job ID or --all");
    if (c->job && !jobref_name_ok(c->job))
        return errf_usage("--job: '%s' is not a job id or name", c->job);
    if (c->all && c->output)
        return errf_usage("-o goes with --job; use --outdir with --all");
    int to_stdout = c->output && strcmp(c->output, "-") == 0;
    if (c->format && !to_stdout)
        return errf_usage("--format goes with -o - (standard output); a file's format is its "
                          "extension");
    if (c->format && !img_format_writable(img_format_from_name(c->format)))
        return errf_usage("--format: cannot write '%s' (png, jpeg, pnm, ppm, pgm, pam, tiff "
                          "or webp)", c->format);
    return 0;
}

/* output_in_dir - OUTDIR/<base name of the job's output or source>. */
static int output_in_dir(const char *outdir, const struct manifest *m, char *out, char *err)
{
    const char *p = m->output_path[0] ? m->output_path : m->source_path;
    if (strcmp(p, MANIFEST_STDIN) == 0)
        return errf(err, "read from standard input, it has no file name to write in %s: "
                    "assemble it with --job %s -o OUT", outdir, m->job);
    const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
    /* GIF is read only: a .gif source's result is written as .png */
    int gif = img_format_from_path(base) == IMG_GIF;
    if ((gif ? snprintf(out, PATH_MAX, "%s/%.*s.png", outdir, (int)(strrchr(base, '.') - base),
                        base)
             : snprintf(out, PATH_MAX, "%s/%s", outdir, base)) >= PATH_MAX)
        return errf(err, "%s: path too long", outdir);
    return 0;
}

/* assemble_id - load job id and assemble it to `output` (or the default). */
static int assemble_id(const struct cmdline *c, const char *id, const char *output)
{
    char jobdir[PATH_MAX], out[PATH_MAX], err[ERR_MAX];
    struct manifest *m = malloc(sizeof *m);
    int status = EXIT_OK;
    if (!m)
        return msg_warn("out of memory"), EXIT_SPOOL;
    if (spool_path(jobdir, c->spool, id, NULL, err) < 0 || access(jobdir, F_OK) != 0) {
        msg_warn("job %s: no such job in %s", id, c->spool);
        free(m);
        return EXIT_INPUT;
    }
    if (spool_job_check(jobdir, err) < 0 || manifest_load(m, jobdir, err) < 0) {
        msg_warn("job %s: %s", id, err);
        free(m);
        return EXIT_INPUT;
    }
    if (output)
        snprintf(out, sizeof out, "%s", output);
    else if (c->outdir)
        status = output_in_dir(c->outdir, m, out, err) < 0 ? EXIT_USAGE : EXIT_OK;
    else if (m->output_path[0])
        snprintf(out, sizeof out, "%s", m->output_path);
    else
        status = (errf(err, "no output path: give -o"), EXIT_USAGE);
    if (status == EXIT_OK)
        status = assemble_job(m, jobdir, out, &c->a, err);
    if (status != EXIT_OK)
        msg_warn("job %s: %s", id, err);
    free(m);
    return status;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    msg_set_program("assembler");
    spool_fault_init("assembler");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    msg_set_quiet(c.a.quiet);
    /* a reader that goes away is a write error (EPIPE), said and exit 4 */
    if (c.output && strcmp(c.output, "-") == 0)
        signal(SIGPIPE, SIG_IGN);
    char **names, err[ERR_MAX], id[SPOOL_JOB_ID_MAX];
    if (c.job) {
        int rc = jobref_resolve(c.spool, c.job, id, err);
        if (rc != 0)
            return msg_warn("%s", err), rc < 0 ? EXIT_SPOOL : rc == 2 ? EXIT_USAGE : EXIT_INPUT;
        return assemble_id(&c, id, c.output);
    }
    int n = spool_list(c.spool, &names, err), status = EXIT_OK;
    if (n < 0)
        return msg_warn("%s", err), EXIT_SPOOL;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        if (!manifest_job_id_ok(names[i]) || spool_path(path, c.spool, names[i], SPOOL_MANIFEST, err) < 0 ||
            access(path, F_OK) != 0)
            continue;
        int s = assemble_id(&c, names[i], NULL);
        if (status == EXIT_OK)
            status = s;
    }
    if (n > 0)
        free(names);
    return status;
}
