/*
 * worker - process the tiles of spooled jobs with sandboxed filters.
 *
 * SYNOPSIS
 *     worker --spool DIR [-w N] [--job ID]... [--timeout SEC] [--retries N]
 *            [--max-memory MB] [--follow] [--retry-failed]
 *
 * DESCRIPTION
 *     A supervisor that forks N children (default: the number of CPUs).
 *     Children claim tiles by rename, run the job's filter chain on each in
 *     fresh wasm2c instances and commit the result; the supervisor enforces
 *     the per-tile timeout, requeues or fails the tile of a child that
 *     died, and replaces it.  Every job in the spool is processed unless
 *     --job names some.  With --follow it keeps watching for new jobs.
 *     At start, tiles failed by a timeout or a signal are requeued (with
 *     --retry-failed every failed tile).  Only jobs with work keep their
 *     manifest in memory; the others are summarised from a few counts.
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
        "      --retry-failed   requeue every failed tile (by default only those failed\n"
        "                       by a timeout or a signal are)\n"
        "      --durable        fsync files and directories before publishing\n"
        "  -q, --quiet          no progress or summary lines\n"
        "  -h, --help, --version\n"
        "exit: 0 all tiles done, 1 some tiles failed, 2 usage, 3 unusable job or filter,\n"
        "      4 spool or I/O error\n");
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    enum { O_TIMEOUT = 256, O_RETRIES, O_MAXMEM, O_FOLLOW, O_DURABLE, O_VERSION, O_RETRYF };
    static const struct option lo[] = {
        {"spool", 1, 0, 's'}, {"workers", 1, 0, 'w'}, {"job", 1, 0, 'j'},
        {"timeout", 1, 0, O_TIMEOUT}, {"retries", 1, 0, O_RETRIES},
        {"max-memory", 1, 0, O_MAXMEM}, {"follow", 0, 0, O_FOLLOW},
        {"durable", 0, 0, O_DURABLE}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'},
        {"version", 0, 0, O_VERSION}, {"retry-failed", 0, 0, O_RETRYF}, {0, 0, 0, 0}};
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
            if (!manifest_job_id_ok(optarg))
                return errf_usage("--job: '%s' is not a job id", optarg);
            c->jobs[c->njobs++] = optarg;
            break;
        case 'q': c->o.quiet = 1; break;
        case O_FOLLOW: c->o.follow = 1; break;
        case O_RETRYF: c->o.retry_failed = 1; break;
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
        struct hash h;
        const struct stage_spec *s = &j->m.stages[i];
        if (usercache_find_stage(s, so, wasm, err) < 0 || hash_file(wasm, &h, NULL, err) < 0)
            return -1;
        if (!hash_equal(&h, &s->hash))
            return errf(err, "filter %s has changed since the job was split "
                        "(re-run the splitter with --new)", s->path[0] ? s->path : s->name);
        /* children cannot write outside the spool: compile a user's module now */
        if (s->path[0] && usercache_build(s->path, &s->hash, &h, so, err) < 0)
            return -1;
    }
    return 0;
}

/* has_work - 1 if the job has tiles waiting or claimed. */
static int has_work(const struct job *j)
{
    return job_waiting(j, SPOOL_TILES) != 0 || job_waiting(j, SPOOL_CLAIMED) != 0;
}

/* What the summary says of a job: a job with work keeps its whole struct
 * job (index), one without keeps only these counts, taken at start (with
 * nothing waiting or claimed they cannot change), so that a spool of
 * thousands of finished jobs costs a few hundred bytes each, not a
 * manifest each. */
struct brief {
    char id[SPOOL_JOB_ID_MAX];
    int index;             /* into the job list, or -1 */
    long total, done, failed;
};

struct loaded_jobs {
    struct job *jobs;
    int n, cap;
    struct brief *briefs;
    int nbriefs, capbriefs;
};

/* grow - room for one more element of size sz in *v (count n, capacity
 * *cap); returns 0 or -1. */
static int grow(void **v, int n, int *cap, size_t sz)
{
    if (n < *cap)
        return 0;
    int ncap = *cap ? 2 * *cap : 16;
    void *p = realloc(*v, (size_t)ncap * sz);
    if (!p)
        return -1;
    *v = p;
    *cap = ncap;
    return 0;
}

/* count_tiles - tiles of j in out/ and failed/ into b. */
static void count_tiles(const struct job *j, struct brief *b)
{
    b->total = (long)j->m.rows * j->m.cols;
    b->done = job_waiting(j, SPOOL_OUT);
    b->failed = job_waiting(j, SPOOL_FAILED);
}

/* free_jobs - release what load_jobs gathered. */
static void free_jobs(struct loaded_jobs *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->jobs[i].prior);
    free(l->jobs);
    free(l->briefs);
    memset(l, 0, sizeof *l);
}

/* load_job - job id into *j; decides whether it is kept (returns 1), only
 * summarised (0, *b filled) or skipped (2), or refused (3, counted in
 * *bad).  requeue: the run's first look, which requeues failed tiles. */
static int load_job(const struct cmdline *c, const char *id, struct job *j, struct brief *b,
                    int requeue, int *bad)
{
    char manifest[PATH_MAX], e[ERR_MAX];
    memset(j, 0, sizeof *j);
    if (!manifest_job_id_ok(id) || spool_path(j->dir, c->o.spool, id, NULL, e) < 0 ||
        spool_path(manifest, j->dir, SPOOL_MANIFEST, NULL, e) < 0)
        return 2;
    if (!c->njobs && access(manifest, F_OK) != 0)
        return 2;   /* still being split, or not a job */
    if (spool_job_check(j->dir, e) < 0 || manifest_load(&j->m, j->dir, e) < 0 ||
        (requeue && requeue_failed(j, c->o.retry_failed, e) < 0)) {
        msg_warn("job %s: %s", id, e);
        ++*bad;
        return 3;
    }
    snprintf(b->id, sizeof b->id, "%s", j->m.job);
    b->index = -1;
    if (!has_work(j)) {
        count_tiles(j, b);
        return c->o.follow ? 2 : 0;   /* --follow only reports jobs it works on */
    }
    if (check_filters(j, e) < 0) {
        msg_warn("job %s: %s", id, e);
        ++*bad;
        return 3;
    }
    return 1;
}

/* load_jobs - the jobs to process: named ones, or every complete job,
 * into l.  Returns the number with work, or -1 with err. */
static int load_jobs(const struct cmdline *c, struct loaded_jobs *l, int requeue, int *bad,
                     char *err)
{
    char **names = NULL;
    int n = c->njobs, rc = 0;
    memset(l, 0, sizeof *l);
    if (n == 0 && (n = spool_list(c->o.spool, &names, err)) < 0)
        return -1;
    struct job *j = malloc(sizeof *j);     /* one at a time: most jobs have no work */
    for (int i = 0; j && rc == 0 && i < n; i++) {
        struct brief b;
        int r = load_job(c, c->njobs ? c->jobs[i] : names[i], j, &b, requeue, bad);
        if (r == 1 && grow((void **)&l->jobs, l->n, &l->cap, sizeof *j) == 0) {
            b.index = l->n;
            l->jobs[l->n++] = *j;       /* j->prior now belongs to the list */
        } else {
            free(j->prior);
            if (r == 1)
                rc = -1;
        }
        if (r <= 1 && rc == 0) {
            if (grow((void **)&l->briefs, l->nbriefs, &l->capbriefs, sizeof b) < 0)
                rc = -1;
            else
                l->briefs[l->nbriefs++] = b;
        }
    }
    free(names);
    if (!j || rc < 0) {
        free(j);
        free_jobs(l);
        return errf(err, "out of memory");
    }
    free(j);
    return l->n;
}

/* summarise - per job: tiles in out/, failed/; returns 1 if any failed. */
static int summarise(const struct cmdline *c, const struct loaded_jobs *l)
{
    int any_failed = 0;
    for (int i = 0; i < l->nbriefs; i++) {
        struct brief b = l->briefs[i];
        if (b.index >= 0)
            count_tiles(&l->jobs[b.index], &b);
        if (b.failed > 0)
            any_failed = 1;
        if (!c->o.quiet || b.failed > 0)
            msg_warn("job %s: %ld/%ld tiles done, %ld failed%s", b.id, b.done, b.total,
                     b.failed, b.failed ? " (see failed/*.json)" : "");
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
    if (confine_missing())
        msg_warn("%s", confine_missing());
    supervisor_catch_signals();
    int status, first = 1;
    for (;;) {
        struct loaded_jobs l;
        /* failed tiles are requeued once, when the worker starts */
        int bad = 0, n = load_jobs(&c, &l, first, &bad, err);
        first = 0;
        if (n < 0) {
            msg_warn("%s", err);
            status = EXIT_SPOOL;
            break;
        }
        status = n > 0 ? supervise(&c.o, l.jobs, n) : EXIT_OK;
        if (status == EXIT_OK && summarise(&c, &l))
            status = EXIT_TILES_FAILED;
        if (status == EXIT_OK && bad > 0)
            status = EXIT_INPUT;
        free_jobs(&l);
        if (!c.o.follow || status >= 128 || supervisor_stopping())
            break;
        sleep(1);
    }
    free(c.jobs);
    if (supervisor_stopping() && status < 128)
        status = 128 + supervisor_stopping();
    return status;
}
