/*
 * worker - process the tiles of spooled jobs with sandboxed filters.
 *
 * SYNOPSIS
 *     worker --spool DIR [-w N] [--job ID]... [--timeout SEC] [--retries N]
 *            [--max-memory MB] [--follow]
 *
 * DESCRIPTION
 *     A supervisor that forks N children (default: the number of CPUs).
 *     Children claim tiles by rename, run the job's filter chain on each in
 *     fresh wasm2c instances and commit the result; the supervisor enforces
 *     the per-tile timeout, requeues or fails the tile of a child that
 *     died, and replaces it.  Every job in the spool is processed unless
 *     --job names some.  With --follow it keeps watching for new jobs.
 *
 * DIAGNOSTICS
 *     One line per failed tile on stderr (job, tile, cause); the reason is
 *     also kept in failed/T.json.  Exit 0 all tiles done, 1 some tiles
 *     failed, 2 usage, 3 a job's filters are missing or changed, 4 spool or
 *     I/O error.
 */
#include "worker.h"
#include "confine.h"
#include "err.h"
#include "filter.h"
#include "hash.h"
#include "jobref.h"
#include "usercache.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cmdline {
    struct worker_opts o;
    char **jobs;
    int njobs;
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: worker [--spool DIR] [-w N] [--job ID]... [options]\n"
        "Process the tiles of spooled jobs with their filter chains.\n"
        "  -s, --spool DIR      spool directory (default $TILESPOOL_SPOOL or ./spool)\n"
        "  -w, --workers N      child processes (default: number of CPUs)\n"
        "  -j, --job ID         only this job (repeatable; default: every job)\n"
        "      --timeout SEC    wall-clock limit per tile (default 60)\n"
        "      --retries N      extra attempts for a tile whose child died (default 2)\n"
        "      --max-memory MB  linear-memory cap per filter instance (default 1024)\n"
        "      --follow         keep running and process new jobs as they appear\n"
        "      --durable        fsync files and directories before publishing\n"
        "  -q, --quiet          no progress or summary lines\n"
        "  -h, --help, --version\n"
        "exit: 0 all tiles done, 1 some tiles failed, 2 usage, 3 unusable job or filter,\n"
        "      4 spool or I/O error\n");
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_TIMEOUT = 256, O_RETRIES, O_MAXMEM, O_FOLLOW, O_DURABLE, O_VERSION };
    static const struct option lo[] = {
        {"spool", 1, 0, 's'}, {"workers", 1, 0, 'w'}, {"job", 1, 0, 'j'},
        {"timeout", 1, 0, O_TIMEOUT}, {"retries", 1, 0, O_RETRIES},
        {"max-memory", 1, 0, O_MAXMEM}, {"follow", 0, 0, O_FOLLOW},
        {"durable", 0, 0, O_DURABLE}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};
    memset(c, 0, sizeof *c);
    c->o.spool = jobref_default_spool();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    c->o.workers = cpus > 0 ? (int)cpus : 1;
    c->o.timeout = 60;
    c->o.retries = 2;
    c->o.max_memory = 1024ull << 20;
    c->jobs = calloc((size_t)argc, sizeof *c->jobs);
    int opt;
    opterr = 0;     /* bad_option() says it in one line */
    char *end;
    double v;
    while ((opt = getopt_long(argc, argv, "s:w:j:qh", lo, NULL)) != -1) {
        switch (opt) {
        case 's': c->o.spool = optarg; break;
        case 'j':
            if (!spool_job_id_ok(optarg))
                return errf_usage("--job: '%s' is not a job id", optarg);
            c->jobs[c->njobs++] = optarg;
            break;
        case 'q': c->o.quiet = 1; break;
        case O_FOLLOW: c->o.follow = 1; break;
        case O_DURABLE: spool_set_durable(1); break;
        case 'w': case O_TIMEOUT: case O_RETRIES: case O_MAXMEM:
            v = strtod(optarg, &end);
            if (end == optarg || *end || !(v >= (opt == O_RETRIES ? 0 : 1)) || v > 1e6)
                return errf_usage("%s: not a valid number: '%s'", opt == 'w' ? "-w"
                                  : opt == O_TIMEOUT ? "--timeout" : opt == O_RETRIES
                                  ? "--retries" : "--max-memory", optarg);
            if (opt == 'w') c->o.workers = v > 256 ? 256 : (int)v;
            else if (opt == O_TIMEOUT) c->o.timeout = v;
            else if (opt == O_RETRIES) c->o.retries = (int)v;
            else c->o.max_memory = (uint64_t)v << 20;
            break;
        case 'h': usage(stdout); exit(EXIT_OK);
        case O_VERSION: printf("worker (tilespool) %s\n", TS_VERSION); exit(EXIT_OK);
        default: return bad_option(argv);
        }
    }
    if (optind < argc)
        return errf_usage("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* check_filters - the job's modules must be where they were, unchanged,
 * before any child spends time on it. */
static int check_filters(struct job *j, char *err)
{
    for (int i = 0; i < j->m.nstages; i++) {
        char so[PATH_MAX], wasm[PATH_MAX];
        uint64_t h;
        const struct stage_spec *s = &j->m.stages[i];
        if (usercache_find_stage(s, so, wasm, err) < 0 || hash_file(wasm, &h, NULL, err) < 0)
            return -1;
        if (h != s->hash)
            return errf(err, "filter %s has changed since the job was split "
                        "(re-run the splitter with --new)", s->path[0] ? s->path : s->name);
        /* children cannot write outside the spool: compile a user's module now */
        if (s->path[0] && usercache_build(s->path, s->hash, &h, so, err) < 0)
            return -1;
    }
    return 0;
}

/* has_work - 1 if the job has tiles waiting or claimed. */
static int has_work(const struct job *j)
{
    return job_waiting(j, SPOOL_TILES) != 0 || job_waiting(j, SPOOL_CLAIMED) != 0;
}

/* load_jobs - the jobs to process: named ones, or every complete job.
 * Returns the count (jobs in *out), or -1 with err. */
static int load_jobs(const struct cmdline *c, struct job **out, int *bad, char *err)
{
    char **names = NULL;
    int n = c->njobs;
    if (n == 0 && (n = spool_list(c->o.spool, &names, err)) < 0)
        return -1;
    struct job *jobs = calloc((size_t)(n ? n : 1), sizeof *jobs);
    int k = 0;
    for (int i = 0; jobs && i < n; i++) {
        const char *id = c->njobs ? c->jobs[i] : names[i];
        struct job *j = &jobs[k];
        char manifest[PATH_MAX], e[ERR_MAX];
        if (!spool_job_id_ok(id) || spool_path(j->dir, c->o.spool, id, NULL, e) < 0 ||
            spool_path(manifest, j->dir, SPOOL_MANIFEST, NULL, e) < 0)
            continue;
        if (!c->njobs && access(manifest, F_OK) != 0)
            continue;   /* still being split, or not a job */
        if (spool_job_check(j->dir, e) < 0 || manifest_load(&j->m, j->dir, e) < 0) {
            msg_warn("job %s: %s", id, e);
            ++*bad;
            continue;
        }
        if (c->o.follow && !has_work(j))
            continue;   /* finished: --follow only reports jobs it works on */
        if (check_filters(j, e) < 0) {
            msg_warn("job %s: %s", id, e);
            ++*bad;
            continue;
        }
        k++;
    }
    free(names);
    if (!jobs)
        return errf(err, "out of memory");
    *out = jobs;
    return k;
}

/* summarise - per job: tiles in out/, failed/; returns 1 if any failed. */
static int summarise(const struct cmdline *c, const struct job *jobs, int njobs)
{
    int any_failed = 0;
    for (int i = 0; i < njobs; i++) {
        char dir[PATH_MAX], err[ERR_MAX];
        long total = (long)jobs[i].m.rows * jobs[i].m.cols;
        spool_path(dir, jobs[i].dir, SPOOL_FAILED, NULL, err);
        int failed = spool_count(dir) / 2;      /* T and T.json */
        spool_path(dir, jobs[i].dir, SPOOL_OUT, NULL, err);
        int done = spool_count(dir);
        if (failed > 0)
            any_failed = 1;
        if (!c->o.quiet || failed > 0)
            msg_warn("job %s: %d/%ld tiles done, %d failed%s", jobs[i].m.job, done, total,
                     failed, failed ? " (see failed/*.json)" : "");
    }
    return any_failed;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    char err[ERR_MAX];
    msg_set_program("worker");
    spool_fault_init("worker");
    if (parse_cmdline(argc, argv, &c) < 0)
        return free(c.jobs), EXIT_USAGE;
    msg_set_quiet(c.o.quiet);
    struct stat st;
    if (stat(c.o.spool, &st) < 0 || !S_ISDIR(st.st_mode)) {
        /* nothing to do there is a mistyped path, not success */
        msg_warn("%s: no such spool directory", c.o.spool);
        free(c.jobs);
        return EXIT_SPOOL;
    }
    if (!confine_available())
        msg_warn("this kernel has no Landlock: worker children are not confined to the "
                 "job directories");
    supervisor_catch_signals();
    int status;
    for (;;) {
        struct job *jobs = NULL;
        int bad = 0, n = load_jobs(&c, &jobs, &bad, err);
        if (n < 0) {
            msg_warn("%s", err);
            status = EXIT_SPOOL;
            break;
        }
        status = n > 0 ? supervise(&c.o, jobs, n) : EXIT_OK;
        if (status == EXIT_OK && summarise(&c, jobs, n))
            status = EXIT_TILES_FAILED;
        if (status == EXIT_OK && bad > 0)
            status = EXIT_INPUT;
        free(jobs);
        if (!c.o.follow || status >= 128 || supervisor_stopping())
            break;
        sleep(1);
    }
    free(c.jobs);
    if (supervisor_stopping() && status < 128)
        status = 128 + supervisor_stopping();
    return status;
}
