/*
 * inspect - write a self-contained HTML report of a job, and optionally
 * an overview PNG, from what the spool holds.
 *
 * SYNOPSIS
 *     inspect [--spool DIR] [-o FILE] [--png FILE] JOB
 *
 * DESCRIPTION
 *     The report (default SPOOL/JOB/inspect.html) shows the source and the
 *     output side by side, composed from the job's tile files, with the
 *     tile grid over them: tiles coloured by state or by processing time
 *     (the job's log), each tile's halo on hover, links to the tile files,
 *     the failed tiles with their reasons, the chain and the totals.  It
 *     can be written while workers run; it is a snapshot.
 *
 * DIAGNOSTICS
 *     Exit 0 written, 2 usage, 3 no such job or an invalid or incomplete
 *     job, 4 no spool directory or an I/O error.  A tile file that cannot
 *     be read is a warning (and a note in the report), not a failure.
 */
#include "inspect.h"
#include "jobref.h"
#include "tile.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cmdline {
    const char *spool, *job, *output, *png;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: tilespool inspect [--spool DIR] [-o FILE] [--png FILE] JOB\n"
        "Write a self-contained HTML report of a job: source and output with the tile\n"
        "grid, tile states, processing times, failures, chain and totals.\n"
        "  -s, --spool DIR   spool directory (default $TILESPOOL_SPOOL or ./spool)\n"
        "  -o, --output FILE the report (default SPOOL/JOB/inspect.html)\n"
        "      --png FILE    also an overview PNG: source, grid, state colours, legend\n"
        "  -h, --help, --version\n"
        "JOB: an id, or a unique prefix of an id or of the input file's name.\n"
        "Prints the files written.\n"
        "exit: 0 written, 2 usage, 3 no such job or an invalid or incomplete job,\n"
        "      4 no spool directory or an I/O error\n");
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_PNG = 256, O_VERSION };
    static const struct option lo[] = {{"spool", 1, 0, 's'}, {"output", 1, 0, 'o'},
                                       {"png", 1, 0, O_PNG}, {"help", 0, 0, 'h'},
                                       {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->spool = jobref_default_spool();
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "s:o:h", lo, NULL)) != -1) {
        switch (opt) {
        case 's': c->spool = optarg; break;
        case 'o': c->output = optarg; break;
        case O_PNG: c->png = optarg; break;
        case 'h': usage(stdout); exit(EXIT_OK);
        case O_VERSION: printf("inspect (tilespool) %s\n", TS_VERSION); exit(EXIT_OK);
        default: return bad_option(argv);
        }
    }
    if (optind != argc - 1)
        return errf_usage("give exactly one JOB (try '%s --help')", msg_program());
    c->job = argv[optind];
    if (!jobref_name_ok(c->job))
        return errf_usage("'%s' is not a job id or name", c->job);
    return 0;
}

/* link_prefix - the relative path from the directory of `report` to
 * jobdir, ending in '/' ("" when they are the same) into out. */
static int link_prefix(const char *jobdir, const char *report, char *out, char *err)
{
    char copy[PATH_MAX], job[PATH_MAX], dir[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", report);
    if (!realpath(jobdir, job) || !realpath(dirname(copy), dir))
        return errf_sys(err, "%s", report);
    size_t common = 0;
    for (size_t i = 0;; i++) {
        int jend = job[i] == '/' || !job[i], dend = dir[i] == '/' || !dir[i];
        if (jend && dend)
            common = i;
        if (job[i] != dir[i] || !job[i])
            break;
    }
    out[0] = '\0';
    for (const char *p = dir + common; *p; p++)
        if (*p == '/')
            strcat(out, "../");
    if (job[common])
        snprintf(out + strlen(out), PATH_MAX - strlen(out), "%s/", job + common + 1);
    return 0;
}

/* index_log - each tile's last line in the log into r->last. */
static int index_log(struct report *r, char *err)
{
    r->last = malloc(r->js.total * sizeof *r->last);
    if (!r->last)
        return errf(err, "out of memory");
    for (uint32_t i = 0; i < r->js.total; i++)
        r->last[i] = -1;
    for (int k = 0; k < r->log.n; k++) {
        uint32_t row, col;
        if (tile_parse_name(r->js.m, r->log.e[k].tile, &row, &col) < 0)
            continue;
        int *l = &r->last[(size_t)row * r->js.m->cols + col];
        if (*l < 0 || r->log.e[*l].end <= r->log.e[k].end)
            *l = k;
    }
    return 0;
}

/* load - everything the report shows.  Returns an exit status. */
static int load(const struct cmdline *c, struct report *r, char *err)
{
    int rc = jobscan_load(c->spool, c->job, &r->js, err);
    if (rc != 0) {
        if (rc > 0)
            errf(err, "%s/%s: no such job", c->spool, c->job);
        return rc > 0 ? EXIT_INPUT : EXIT_SPOOL;
    }
    if (!r->js.m) {
        if (r->js.state == JOB_INVALID)
            snprintf(err, ERR_MAX, "%s", r->js.error);
        else
            errf(err, "%s: job is %s (no job.json yet)", r->js.dir, jobscan_state_name(r->js.state));
        return EXIT_INPUT;
    }
    r->jobdir = r->js.dir;
    r->assembled = r->js.m->output_path[0] && access(r->js.m->output_path, F_OK) == 0;
    if (joblog_read(r->jobdir, &r->log, err) < 0 || index_log(r, err) < 0 ||
        canvas_compose(r, err) < 0)
        return EXIT_SPOOL;
    return EXIT_OK;
}

/* warn_unreadable - say so when tile files could not be read: the report
 * notes it too, but a script running inspect should hear it. */
static void warn_unreadable(const struct report *r)
{
    const struct canvas *cs[2] = {&r->src, &r->out};
    for (int i = 0; i < 2; i++)
        if (cs[i]->unreadable)
            msg_warn("%u tile file%s could not be read (shown as missing): %s",
                     cs[i]->unreadable, cs[i]->unreadable == 1 ? "" : "s", cs[i]->first_error);
}

int main(int argc, char **argv)
{
    struct cmdline c;
    struct report r;
    char err[ERR_MAX], html[PATH_MAX], prefix[PATH_MAX], id[SPOOL_JOB_ID_MAX];
    struct stat st;
    msg_set_program("tilespool inspect");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    memset(&r, 0, sizeof r);
    if (stat(c.spool, &st) < 0 || !S_ISDIR(st.st_mode)) {
        msg_warn("%s: no such spool directory", c.spool);
        return EXIT_SPOOL;
    }
    int rc = jobref_resolve(c.spool, c.job, id, err);
    if (rc != 0) {
        msg_warn("%s", err);
        return rc < 0 ? EXIT_SPOOL : rc == 2 ? EXIT_USAGE : EXIT_INPUT;
    }
    c.job = id;
    int status = load(&c, &r, err);
    if (status == EXIT_OK) {
        if (c.output)
            snprintf(html, sizeof html, "%s", c.output);
        else if (spool_path(html, r.jobdir, "inspect.html", NULL, err) < 0)
            status = EXIT_SPOOL;
    }
    if (status == EXIT_OK && (link_prefix(r.jobdir, html, prefix, err) < 0 ||
                              (r.link_prefix = prefix, html_write(&r, html, err)) < 0))
        status = EXIT_SPOOL;
    if (status == EXIT_OK)
        printf("%s\n", html);
    if (status == EXIT_OK && c.png) {
        if (overview_write(&r, c.png, err) < 0)
            status = EXIT_SPOOL;
        else
            printf("%s\n", c.png);
    }
    if (status != EXIT_OK)
        msg_warn("%s", err);
    else
        warn_unreadable(&r);
    canvas_free(&r.src);
    canvas_free(&r.out);
    free(r.input);
    free(r.last);
    joblog_free(&r.log);
    jobscan_free(&r.js);
    return status;
}
