/*
 * supervisor.c - the worker's parent process: forks N children, kills a
 * child whose tile exceeds the timeout, and when a child dies takes its
 * tile back: requeued for another attempt, or failed for good after
 * --retries attempts (a timeout at once), with the reason in
 * failed/T.json and a line in the job log carrying the dead child's peak
 * RSS.  It also runs recovery over every job's claims at start and after
 * every death, so tiles of workers that died elsewhere come back too.
 */
#include "worker.h"
#include "claim.h"
#include "err.h"
#include "global_stats.h"
#include "joblog.h"
#include "tilestate.h"
#include "progress.h"
#include "tile.h"

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct attempt {
    int job;
    char tile[SPOOL_TILE_NAME_MAX];
    int count;
};

struct pool {
    const struct worker_opts *o;
    struct job *jobs;
    int njobs;
    struct slot *slots;        /* shared with the children */
    int *timed_out;            /* per slot: killed by us for the timeout */
    struct attempt *attempts;
    int nattempts, cap_attempts;
    int spool_error;
    int bad_jobs;              /* jobs left alone for damaged files (job_damaged) */
    int alive;
    int *merged;               /* per job: no global stage, or its merge is done */
    const struct run_outside *rest;   /* the run's other jobs, for the line */
    struct progress prog;      /* the terminal line: tiles settled of all jobs */
    double counted;            /* now_seconds() of the last count for it */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

int supervisor_stopping(void) { return stop_signal; }

void supervisor_catch_signals(void)
{
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
}

/* attempts_for - the attempt counter of a tile, created at the attempts
 * earlier runs made before requeueing it (requeue.c), else 0. */
static struct attempt *attempts_for(struct pool *p, int job, const char *tile)
{
    for (int i = 0; i < p->nattempts; i++)
        if (p->attempts[i].job == job && strcmp(p->attempts[i].tile, tile) == 0)
            return &p->attempts[i];
    if (p->nattempts == p->cap_attempts) {
        int cap = p->cap_attempts ? 2 * p->cap_attempts : 16;
        struct attempt *a = realloc(p->attempts, (size_t)cap * sizeof *a);
        if (!a)
            return NULL;
        p->attempts = a;
        p->cap_attempts = cap;
    }
    struct attempt *a = &p->attempts[p->nattempts++];
    a->job = job;
    a->count = requeue_prior(&p->jobs[job], tile);   /* earlier runs' attempts */
    snprintf(a->tile, sizeof a->tile, "%s", tile);
    return a;
}

/* job_damaged - leave job i alone for the rest of the run, saying why
 * once: a file of it is damaged or hostile, which must not stop the
 * other jobs.  The run then ends with EXIT_SPOOL. */
static void job_damaged(struct pool *p, int i, const char *why)
{
    assert(i >= 0 && i < p->njobs);
    if (p->jobs[i].broken)
        return;
    msg_warn("job %s: %s; the job is left as it is", p->jobs[i].m.job, why);
    p->jobs[i].broken = 1;
    p->bad_jobs++;
}

/* pending - tiles waiting in tiles/ of all usable jobs (-1 on error).
 * Only names that are tiles of the job count: anything else a person left
 * there is not work, and counting it would respawn idle children forever.
 * Claimed tiles are not counted: their owners are alive, or recovery
 * moves them back to tiles/ first. */
static long pending(const struct pool *p)
{
    long n = 0;
    for (int i = 0; i < p->njobs; i++) {
        if (p->jobs[i].broken)
            continue;
        /* a global job before its merge: only tiles without statistics */
        const struct job *j = &p->jobs[i];
        long t = p->merged[i] ? tilestate_count(&j->m, j->dir, SPOOL_TILES)
                              : global_waiting(&j->m, j->dir);
        if (t < 0)
            return -1;
        n += t;
    }
    assert(n >= 0);
    return n;
}

/* recover_all - requeue dead claims in every job and remove the partial
 * files their writers left in tmp/.  Claims go first: a child killed
 * while writing has its claim taken back and, being dead, its temporary
 * judged garbage in the same pass. */
static void recover_all(struct pool *p)
{
    for (int i = 0; i < p->njobs; i++) {
        char err[ERR_MAX];
        int requeued = 0, finished = 0, garbage = 0;
        if (p->jobs[i].broken)
            continue;
        if (claim_recover(p->jobs[i].dir, &requeued, &finished, err) < 0) {
            err_prefix(err, "recovery");
            job_damaged(p, i, err);
        } else if (requeued + finished > 0) {
            msg_info("job %s: recovered %d claimed tile(s): %d requeued, %d already done",
                     p->jobs[i].m.job, requeued + finished, requeued, finished);
        }
        if (spool_tmp_clean(p->jobs[i].dir, &garbage, err) < 0) {
            msg_warn("job %s: cleaning tmp/: %s", p->jobs[i].m.job, err);
            p->spool_error = 1;
        } else if (garbage > 0) {
            msg_info("job %s: removed %d partial file(s) of dead writers from tmp/",
                     p->jobs[i].m.job, garbage);
        }
    }
}

/* spawn - start child `index`. */
static int spawn(struct pool *p, int index)
{
    fflush(NULL);
    /* Cleared before fork: the child may claim a tile and set busy before
     * the parent runs again, and clearing it after would hide that tile
     * from the timeout. */
    atomic_store(&p->slots[index].busy, 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        msg_warn("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Die with the supervisor, however it dies.  It alone enforces
         * --timeout and the retry limit: an orphan on an endless filter
         * would hold its claim's lock forever, so recovery could never
         * take the tile back, and orphans would race a re-run for tiles.
         * If the supervisor died before prctl, the parent has changed. */
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(CHILD_IDLE);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        child_main(p->o, p->jobs, p->njobs, p->slots, index);
    }
    p->slots[index].pid = pid;
    p->timed_out[index] = 0;
    p->alive++;
    return 0;
}

/* death_reason - "killed by signal 11 (Segmentation fault)" etc. */
static void death_reason(int status, int timed_out, double timeout, char *buf, size_t n)
{
    if (timed_out)
        snprintf(buf, n, "timeout: still running after %.1f s, killed", timeout);
    else if (WIFSIGNALED(status))
        snprintf(buf, n, "worker child killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, n, "worker child exited with status %d", WEXITSTATUS(status));
}

/* log_failure - the job log's line for a tile the supervisor failed, in
 * the children's format; peak_rss_kb is the dead child's (from wait4). */
static void log_failure(const struct job *j, const struct slot *s, long peak_kb,
                        const char *kind)
{
    char err[ERR_MAX];
    double ms = (now_seconds() - s->start) * 1e3;
    if (joblog_append(j->dir, s->tile, (long)s->pid, ms > 0 ? ms : 0, peak_kb, kind, err) < 0)
        msg_warn("job %s: %s", j->m.job, err);
}

/* take_back - the tile a dead child was on: retry it or fail it.  A
 * timeout fails it at once: filters are deterministic, so the next
 * attempt would loop as long, and --timeout bounds the time a bad tile
 * costs.  A child killed by a signal (the OOM killer, an operator) may
 * have died of something else than its tile: that is retried. */
static void take_back(struct pool *p, int index, int status, long peak_kb)
{
    struct slot *s = &p->slots[index];
    assert(s->job >= 0 && s->job < p->njobs && s->tile[0] && s->claim_entry[0]);
    struct job *j = &p->jobs[s->job];
    char why[160], err[ERR_MAX];
    struct claim c;
    death_reason(status, p->timed_out[index], p->o->timeout, why, sizeof why);
    struct attempt *a = attempts_for(p, s->job, s->tile);
    int tries = a ? ++a->count : p->o->retries + 1;
    assert(tries >= 1);
    int retry = tries <= p->o->retries && !p->timed_out[index];
    int r = claim_adopt(j->dir, s->claim_entry, &c, err);
    /* A dead child's lock is gone before wait4 reports it, so recovery
     * after another child's death may have requeued the tile already:
     * take it from tiles/ when it is not to be tried again. */
    if (r == 1 && !retry)
        r = claim_tile(j->dir, s->tile, &c, err);
    if (r != 0) {
        if (r < 0)
            msg_warn("job %s: tile %s: %s", j->m.job, s->tile, err);
        return;        /* already moved on (e.g. committed just before dying) */
    }
    if (retry) {
        msg_warn("job %s: tile %s: %s; attempt %d of %d, requeued", j->m.job, s->tile, why,
                 tries, p->o->retries + 1);
        r = claim_release(&c, err);
    } else {
        msg_warn("job %s: tile %s: %s; failed after %d attempt(s)", j->m.job, s->tile, why,
                 tries);
        const char *kind = p->timed_out[index] ? "timeout" : "signal";
        r = claim_fail(&c, kind, why, tries, (long)s->pid, err);
        if (r == 0)
            log_failure(j, s, peak_kb, kind);
    }
    if (r < 0) {
        msg_warn("job %s: tile %s: %s", j->m.job, s->tile, err);
        p->spool_error = 1;
    }
}

/* reap - collect every child that has ended; returns how many.  wait4
 * gives the child's peak RSS for the log of a tile it died on. */
static int reap(struct pool *p)
{
    int n = 0, status;
    pid_t pid;
    struct rusage ru;
    while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
        int index = 0;
        while (index < p->o->workers && p->slots[index].pid != pid)
            index++;
        if (index == p->o->workers)
            continue;
        p->alive--;
        assert(p->alive >= 0);
        n++;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code == CHILD_SPOOL)
            p->spool_error = 1;
        if (code == CHILD_JOB)
            job_damaged(p, p->slots[index].bad_job, p->slots[index].why);
        if (code != CHILD_IDLE && code != CHILD_REPLACE && code != CHILD_SPOOL &&
            code != CHILD_JOB &&
            atomic_load(&p->slots[index].busy))
            take_back(p, index, status, ru.ru_maxrss);   /* reads the slot's pid */
        p->slots[index].pid = 0;
        atomic_store(&p->slots[index].busy, 0);
    }
    return n;
}

/* enforce_timeouts - SIGKILL children whose tile has run too long. */
static void enforce_timeouts(struct pool *p)
{
    double now = now_seconds();
    for (int i = 0; i < p->o->workers; i++) {
        struct slot *s = &p->slots[i];
        if (s->pid > 0 && !p->timed_out[i] && atomic_load(&s->busy) &&
            now - s->start > p->o->timeout) {
            p->timed_out[i] = 1;
            kill(s->pid, SIGKILL);
        }
    }
}

/* wait_a_little - sleep until a child changes state or 20 ms pass. */
static void wait_a_little(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    struct timespec ts = {0, 20 * 1000 * 1000};
    sigtimedwait(&set, NULL, &ts);
}

/* merge_globals - merge the statistics of every global job whose pass 1
 * is over (when a child has not done it first). */
static void merge_globals(struct pool *p)
{
    for (int i = 0; i < p->njobs; i++) {
        char err[ERR_MAX];
        struct job *j = &p->jobs[i];
        if (p->merged[i] || j->broken)
            continue;
        if (manifest_global_stage(&j->m) < 0) {
            p->merged[i] = 1;
        } else if (global_merge(&j->m, j->dir, &p->merged[i], err) < 0) {
            job_damaged(p, i, err);
        }
    }
}

/* fill_pool - start children in free slots while there is work, unless
 * the pool is stopping: a child that just hit a spool error (a full disk)
 * would only be replaced by one that fails the same way. */
static void fill_pool(struct pool *p)
{
    if (stop_signal || p->spool_error)
        return;
    merge_globals(p);
    long work = pending(p);
    for (int i = 0; i < p->o->workers && p->alive < p->o->workers && work > 0; i++)
        if (p->slots[i].pid == 0 && spawn(p, i) < 0) {
            p->spool_error = 1;
            return;
        }
}

/* claims_elsewhere - with no child of ours left: are tiles of our jobs
 * still claimed by another worker?  Then wait for them: they come back to
 * tiles/ if that worker dies (recovery, retried here every 250 ms) or end
 * in out/ if it finishes, so the job is done when this worker exits. */
static int claims_elsewhere(struct pool *p)
{
    static double last_recovery;
    long held = 0;
    for (int i = 0; i < p->njobs; i++)
        if (!p->jobs[i].broken && tilestate_count(&p->jobs[i].m, p->jobs[i].dir, SPOOL_CLAIMED) > 0)
            held++;
    if (held > 0 && now_seconds() - last_recovery > 0.25) {
        last_recovery = now_seconds();
        recover_all(p);
    }
    return held > 0;
}

/* count_settled - tiles of the pool's jobs in out/ or failed/; *finished
 * gets the jobs with every tile there. */
static uint64_t count_settled(const struct pool *p, int *finished)
{
    uint64_t n = 0;
    *finished = 0;
    for (int i = 0; i < p->njobs; i++) {
        const struct job *j = &p->jobs[i];
        long out = tilestate_count(&j->m, j->dir, SPOOL_OUT);
        long failed = tilestate_count(&j->m, j->dir, SPOOL_FAILED);
        uint64_t settled = (uint64_t)(out > 0 ? out : 0) + (uint64_t)(failed > 0 ? failed : 0);
        n += settled;
        if (settled >= (uint64_t)j->m.rows * j->m.cols)
            ++*finished;
    }
    return n;
}

/* show_progress - redraw the progress line, counting the spool at most
 * four times a second: children settle tiles, the supervisor does not
 * see them one by one.  With several jobs (a batch) it leads with the
 * images finished. */
static void show_progress(struct pool *p)
{
    int finished;
    if (!p->prog.active || now_seconds() - p->counted < 0.25)
        return;
    p->counted = now_seconds();
    uint64_t n = count_settled(p, &finished) + p->rest->settled;
    int jobs = p->njobs + p->rest->jobs;
    if (jobs > 1)
        snprintf(p->prog.lead, sizeof p->prog.lead, "%d/%d images, ", finished + p->rest->finished,
                 jobs);
    progress_update(&p->prog, n);
}

/* start_progress - begin the line over every tile of the pool's jobs. */
static void start_progress(struct pool *p)
{
    uint64_t total = p->rest->tiles;
    int finished;
    for (int i = 0; i < p->njobs; i++)
        total += (uint64_t)p->jobs[i].m.rows * p->jobs[i].m.cols;
    progress_begin(&p->prog, "tiles", total, p->o->quiet);
    if (p->prog.active)
        progress_rebase(&p->prog, count_settled(p, &finished) + p->rest->settled);
    p->counted = 0;
    show_progress(p);
}

/* shut_down - on SIGINT/SIGTERM: kill the children, requeue their tiles. */
static void shut_down(struct pool *p)
{
    for (int i = 0; i < p->o->workers; i++)
        if (p->slots[i].pid > 0)
            kill(p->slots[i].pid, SIGKILL);
    while (p->alive > 0 && waitpid(-1, NULL, 0) > 0)
        p->alive--;
    recover_all(p);
}

int supervise(const struct worker_opts *o, struct job *jobs, int njobs,
              const struct run_outside *rest)
{
    struct pool p = {.o = o, .jobs = jobs, .njobs = njobs, .rest = rest};
    p.slots = mmap(NULL, sizeof(struct slot) * (size_t)o->workers, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p.timed_out = calloc((size_t)o->workers, sizeof(int));
    p.merged = calloc((size_t)njobs, sizeof(int));
    if (p.slots == MAP_FAILED || !p.timed_out || !p.merged) {
        msg_warn("out of memory for %d worker slots", o->workers);
        return EXIT_SPOOL;
    }
    memset(p.slots, 0, sizeof(struct slot) * (size_t)o->workers);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    recover_all(&p);
    start_progress(&p);
    fill_pool(&p);
    while (!stop_signal && !p.spool_error) {
        show_progress(&p);
        if (reap(&p) > 0)
            recover_all(&p);
        enforce_timeouts(&p);
        if (p.alive < o->workers)
            fill_pool(&p);
        if (p.alive == 0 && !claims_elsewhere(&p))
            break;
        wait_a_little();
    }
    progress_end(&p.prog);
    if (stop_signal || p.spool_error)
        shut_down(&p);
    munmap(p.slots, sizeof(struct slot) * (size_t)o->workers);
    free(p.timed_out);
    free(p.merged);
    free(p.attempts);
    if (stop_signal)
        return 128 + stop_signal;
    return p.spool_error || p.bad_jobs ? EXIT_SPOOL : EXIT_OK;
}
