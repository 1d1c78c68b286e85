/*
 * status - list the jobs of a spool like mailq: one line per job, its
 * claims with their owners, its failed tiles with their reasons.
 *
 * SYNOPSIS
 *     status [--spool DIR] [--json] [JOB...]
 *
 * DESCRIPTION
 *     Reads the spool without changing anything, while workers run: files
 *     that vanish during the scan are tiles moving on.  Each job's state
 *     is one of splitting, incomplete, invalid, queued, running, stalled,
 *     done, failed (docs/cli.md).  A claim's owner is alive when it holds
 *     the claim's flock, as recovery decides (common/spool/spool_flock.c).
 *
 * DIAGNOSTICS
 *     Exit 0 listed (an empty spool too), 2 usage, 3 a named job does not
 *     exist or a job's manifest is invalid, 4 no spool directory or an
 *     I/O error.
 */
#include "status.h"
#include "jobref.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

struct cmdline {
    const char *spool;
    int json, brief;
    char **jobs;
    int njobs;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: tilespool status [--spool DIR] [--json] [JOB...]\n"
        "List the jobs of a spool: one line per job, then its claims and failed tiles.\n"
        "  -s, --spool DIR   spool directory (default $TILESPOOL_SPOOL or ./spool)\n"
        "      --json        the same as JSON (format version %d, docs/cli.md)\n"
        "      --brief       one line per job: id, state, age in seconds (for scripts)\n"
        "  -h, --help, --version\n"
        "JOB...: only these jobs, each an id or a unique prefix of an id or of the\n"
        "      input file's name (default: every job, oldest first)\n"
        "exit: 0 listed (also an empty spool), 2 usage, 3 no such job or an invalid\n"
        "      job.json, 4 no spool directory or an I/O error\n",
        STATUS_JSON_VERSION);
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_JSON = 256, O_BRIEF, O_VERSION };
    static const struct option lo[] = {{"spool", 1, 0, 's'}, {"json", 0, 0, O_JSON},
                                       {"brief", 0, 0, O_BRIEF},
                                       {"help", 0, 0, 'h'},  {"version", 0, 0, O_VERSION},
                                       {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->spool = jobref_default_spool();
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "s:h", lo, NULL)) != -1) {
        switch (opt) {
        case 's': c->spool = optarg; break;
        case O_JSON: c->json = 1; break;
        case O_BRIEF: c->brief = 1; break;
        case 'h': usage(stdout); exit(EXIT_OK);
        case O_VERSION: printf("status (tilespool) %s\n", TS_VERSION); exit(EXIT_OK);
        default: return bad_option(argv);
        }
    }
    if (c->json && c->brief)
        return errf_usage("give --json or --brief, not both");
    c->jobs = argv + optind;
    c->njobs = argc - optind;
    for (int i = 0; i < c->njobs; i++)
        if (!jobref_name_ok(c->jobs[i]))
            return errf_usage("'%s' is not a job id or name", c->jobs[i]);
    return 0;
}

/* id_width - the JOB column's width for these ids. */
static int id_width(char **ids, int n)
{
    int w = 3;
    for (int i = 0; i < n; i++)
        if ((int)strlen(ids[i]) > w)
            w = (int)strlen(ids[i]);
    return w;
}

/* resolve_names - replace each named job by the id it names (jobref.c),
 * dropping those that name none or several.  Returns an exit status. */
static int resolve_names(struct cmdline *c, char ids[][SPOOL_JOB_ID_MAX])
{
    char err[ERR_MAX];
    int status = EXIT_OK, k = 0;
    for (int i = 0; i < c->njobs; i++) {
        int rc = jobref_resolve(c->spool, c->jobs[i], ids[k], err);
        if (rc < 0)
            return msg_warn("%s", err), EXIT_SPOOL;
        if (rc > 0) {
            msg_warn("%s", err);
            if (status == EXIT_OK)
                status = rc == 2 ? EXIT_USAGE : EXIT_INPUT;
            continue;
        }
        c->jobs[k] = ids[k];
        k++;
    }
    c->njobs = k;
    return status;
}

/* How scan_jobs writes each job. */
enum listing { LIST_TEXT, LIST_JSON, LIST_BRIEF };

/* write_job - one job in the chosen form: the text listing, an entry of
 * the JSON document, or an "ID STATE AGE" line (what the driver's clean
 * reads).  Returns 0 or -1 with err. */
static int write_job(struct status_report *r, const struct job_scan *js, enum listing how,
                     char *err)
{
    if (how == LIST_JSON)
        return status_json_job(r, js, err);
    if (how == LIST_BRIEF)
        printf("%s %s %.0f\n", js->id, jobscan_state_name(js->state), js->age);
    else
        status_text_job(stdout, r, js);
    return 0;
}

/* scan_jobs - load each id and write it, one job in memory at a time;
 * jobs that vanished are left out unless named.  Returns an exit status. */
static int scan_jobs(struct status_report *r, char **ids, int n, int named, enum listing how)
{
    char err[ERR_MAX];
    int status = EXIT_OK;
    r->idw = id_width(ids, n);
    for (int i = 0; i < n; i++) {
        struct job_scan js;
        int rc = jobscan_load(r->spool, ids[i], &js, err);
        if (rc == 0 && js.state == JOB_INVALID)
            status = EXIT_INPUT;
        if (rc == 0)
            rc = write_job(r, &js, how, err);
        jobscan_free(&js);
        if (rc < 0) {
            msg_warn("%s", err);
            return EXIT_SPOOL;
        }
        if (rc > 0 && named) {
            msg_warn("%s/%s: no such job", r->spool, ids[i]);
            status = EXIT_INPUT;
        }
    }
    return status;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    struct status_report r = {0};
    char err[ERR_MAX], **ids = NULL;
    msg_set_program("tilespool status");
    if (parse_cmdline(argc, argv, &c) < 0)
        return EXIT_USAGE;
    r.spool = c.spool;
    int n = jobscan_list(c.spool, &ids, err);
    if (n == -2) {
        msg_warn("%s: no such spool directory", c.spool);
        return EXIT_SPOOL;
    }
    if (n < 0 || (c.json && status_json_begin(&r, err) < 0)) {
        msg_warn("%s", err);
        free(ids);
        return EXIT_SPOOL;
    }
    char (*named)[SPOOL_JOB_ID_MAX] = calloc((size_t)c.njobs + 1, sizeof *named);
    if (!named) {
        status_json_end(NULL, &r, err);
        free(ids);
        return msg_warn("out of memory"), EXIT_SPOOL;
    }
    enum listing how = c.json ? LIST_JSON : c.brief ? LIST_BRIEF : LIST_TEXT;
    int status = resolve_names(&c, named), named_status = status;
    if (status != EXIT_SPOOL)
        status = c.njobs || named_status != EXIT_OK ? scan_jobs(&r, c.jobs, c.njobs, 1, how)
                                                    : scan_jobs(&r, ids, n, 0, how);
    if (status == EXIT_OK)
        status = named_status;
    if (status != EXIT_SPOOL) {
        if (c.json && status_json_end(stdout, &r, err) < 0) {
            msg_warn("%s", err);
            status = EXIT_SPOOL;
        } else if (how == LIST_TEXT) {
            status_text_end(stdout, &r);
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
            msg_warn("standard output: write error");
            status = EXIT_SPOOL;
        }
    }
    status_json_end(NULL, &r, err);
    free(ids);
    free(named);
    return status;
}
