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
 *     --retry-failed every failed tile).  Only a window of the oldest
 *     jobs with work keep their manifest in memory, the rest wait for
 *     their turn; the others are summarised from a few counts.
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
#include "tilestate.h"
#include "usercache.h"

#include <assert.h>
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
    return tilestate_count(&j->m, j->dir, SPOOL_TILES) != 0 ||
           tilestate_count(&j->m, j->dir, SPOOL_CLAIMED) != 0;
}

/* What the summary says of a job.  The supervisor holds the manifests
 * (some 180 KB each) of a window of jobs with work only, the oldest
 * first; a job beyond it is deferred, known by its id and counts, and
 * loaded again when the window before it is done.  A job without work
 * keeps only counts, taken at start (with nothing waiting or claimed they
 * cannot change).  So a spool of thousands of jobs, finished or queued,
 * costs a few hundred bytes a job, not a manifest each. */
struct brief {
    char id[SPOOL_JOB_ID_MAX];
    int index;             /* into the window, or one of BRIEF_ below */
    long total, done, failed;
    int worked;            /* had work: counted by the progress line */
    struct prior_attempts *prior;   /* deferred: tiles requeued at start */
    int nprior;
};

enum { BRIEF_COUNTED = -1, BRIEF_DEFERRED = -2, BRIEF_GONE = -3 };

struct loaded_jobs {
    struct job *jobs;      /* the window: jobs with work, manifests loaded */
    int n, cap;
    struct brief *briefs;  /* every job the run reports on, in id order */
    int nbriefs, capbriefs;
    int deferred;          /* briefs waiting for a later window */
};

/* window_size - how many jobs with work are loaded at once: enough to
 * keep every child busy, few enough that manifests stay a few MB. */
static int window_size(const struct worker_opts *o)
{
    return o->workers * 4 > 64 ? o->workers * 4 : 64;
}

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
    b->done = tilestate_count(&j->m, j->dir, SPOOL_OUT);
    b->failed = tilestate_count(&j->m, j->dir, SPOOL_FAILED);
}

/* close_window - count the window's jobs into their briefs and release
 * their manifests. */
static void close_window(struct loaded_jobs *l)
{
    for (int i = 0; i < l->nbriefs; i++) {
        struct brief *b = &l->briefs[i];
        if (b->index < 0)
            continue;
        assert(b->index < l->n);
        count_tiles(&l->jobs[b->index], b);
        b->index = BRIEF_COUNTED;
    }
    for (int i = 0; i < l->n; i++)
        free(l->jobs[i].prior);
    free(l->jobs);
    l->jobs = NULL;
    l->n = l->cap = 0;
}

/* free_jobs - release what load_jobs gathered. */
static void free_jobs(struct loaded_jobs *l)
{
    close_window(l);
    for (int i = 0; i < l->nbriefs; i++)
        free(l->briefs[i].prior);
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
    memset(b, 0, sizeof *b);
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
    b->index = BRIEF_COUNTED;
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

/* keep_job - a job with work: into the window while there is room, else
 * deferred with its counts and requeued tiles in *b.  Returns 0 or -1. */
static int keep_job(struct loaded_jobs *l, int window, struct job *j, struct brief *b)
{
    b->worked = 1;
    if (l->n < window && grow((void **)&l->jobs, l->n, &l->cap, sizeof *j) == 0) {
        b->index = l->n;
        l->jobs[l->n++] = *j;           /* j->prior now belongs to the window */
        return 0;
    }
    if (l->n < window)
        return -1;
    count_tiles(j, b);
    b->index = BRIEF_DEFERRED;
    b->prior = j->prior;                /* kept for the tile's attempt count */
    b->nprior = j->nprior;
    l->deferred++;
    return 0;
}

/* load_jobs - the jobs to process: named ones, or every complete job,
 * into l, the oldest with work in the window.  Returns how many are in
 * the window, or -1 with err. */
static int load_jobs(const struct cmdline *c, struct loaded_jobs *l, int requeue, int *bad,
                     char *err)
{
    char **names = NULL;
    int n = c->njobs, rc = 0, window = window_size(&c->o);
    memset(l, 0, sizeof *l);
    if (n == 0 && (n = spool_list(c->o.spool, &names, err)) < 0)
        return -1;
    struct job *j = malloc(sizeof *j);     /* one at a time: most jobs are not loaded */
    for (int i = 0; j && rc == 0 && i < n; i++) {
        struct brief b;
        int r = load_job(c, c->njobs ? c->jobs[i] : names[i], j, &b, requeue, bad);
        if (r == 1)
            rc = keep_job(l, window, j, &b);
        else
            free(j->prior);
        if (rc < 0)
            free(j->prior);
        if (r <= 1 && rc == 0) {
            if (grow((void **)&l->briefs, l->nbriefs, &l->capbriefs, sizeof b) < 0) {
                if (b.index == BRIEF_DEFERRED)
                    free(b.prior);
                rc = -1;
            } else {
                l->briefs[l->nbriefs++] = b;
            }
        }
    }
    free(names);
    free(j);
    if (!j || rc < 0) {
        free_jobs(l);
        return errf(err, "out of memory");
    }
    return l->n;
}

/* next_window - load the next deferred jobs, oldest first, into a new
 * window (the last one's is closed).  A deferred job may have been
 * finished by another worker meanwhile: it is counted again; one that
 * vanished or is refused now is left out of the summary.  Returns how
 * many are in the window, or -1 with err. */
static int next_window(const struct cmdline *c, struct loaded_jobs *l, int *bad, char *err)
{
    int window = window_size(&c->o), rc = 0;
    struct job *j = malloc(sizeof *j);
    if (!j)
        return errf(err, "out of memory");
    close_window(l);
    for (int i = 0; i < l->nbriefs && l->n < window && rc == 0; i++) {
        struct brief *b = &l->briefs[i], now;
        if (b->index != BRIEF_DEFERRED)
            continue;
        l->deferred--;
        int r = load_job(c, b->id, j, &now, 0, bad);
        if (r == 1 && grow((void **)&l->jobs, l->n, &l->cap, sizeof *j) == 0) {
            j->prior = b->prior;        /* the window owns them now */
            j->nprior = b->nprior;
            b->prior = NULL;
            now.index = l->n;
            l->jobs[l->n++] = *j;
        } else if (r == 1) {
            rc = errf(err, "out of memory");
        }
        free(b->prior);
        now.worked = 1;
        *b = now;
        if (r > 1 || rc < 0)
            b->index = BRIEF_GONE;
    }
    assert(l->deferred >= 0);
    free(j);
    return rc < 0 ? -1 : l->n;
}

/* summarise - per job: tiles in out/, failed/; returns 1 if any failed. */
static int summarise(const struct cmdline *c, const struct loaded_jobs *l)
{
    int any_failed = 0;
    for (int i = 0; i < l->nbriefs; i++) {
        struct brief b = l->briefs[i];
        if (b.index == BRIEF_GONE)
            continue;
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

/* outside - the jobs with work outside the window, for the progress line. */
static void outside(const struct loaded_jobs *l, struct run_outside *rest)
{
    memset(rest, 0, sizeof *rest);
    for (int i = 0; i < l->nbriefs; i++) {
        const struct brief *b = &l->briefs[i];
        if (!b->worked || b->index >= 0 || b->index == BRIEF_GONE)
            continue;
        assert(b->total >= 0 && b->done >= 0 && b->failed >= 0);
        rest->tiles += (uint64_t)b->total;
        rest->settled += (uint64_t)(b->done + b->failed);
        rest->jobs++;
        rest->finished += b->done + b->failed >= b->total;
    }
}

/* work - supervise the window, then each window of deferred jobs in
 * turn, until all are done or the pool stops.  Returns the exit status. */
static int work(const struct cmdline *c, struct loaded_jobs *l, int *bad, char *err)
{
    int status = EXIT_OK;
    for (;;) {
        struct run_outside rest;
        outside(l, &rest);
        if (l->n > 0)
            status = supervise(&c->o, l->jobs, l->n, &rest);
        if (status != EXIT_OK || l->deferred == 0 || supervisor_stopping())
            return status;
        if (next_window(c, l, bad, err) < 0) {
            msg_warn("%s", err);
            return EXIT_SPOOL;
        }
    }
}

int main(int argc, char **argv)
{
    struct cmdline c;
    char err[ERR_MAX];
    msg_set_program("worker");
    spool_fault_init("worker");
    if (parse_cmdline(argc, argv, &c) < 0) {
        free(c.jobs);
        return EXIT_USAGE;
    }
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
        status = work(&c, &l, &bad, err);
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
