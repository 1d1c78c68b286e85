/*
 * supervisor.c - the worker's parent process: forks N children, kills a
 * child whose tile exceeds the timeout, and when a child dies takes its
 * tile back: requeued for another attempt, or failed for good after
 * --retries attempts, with the reason in failed/T.json.  It also runs
 * recovery over every job's claims at start and after every death, so
 * tiles of workers that died elsewhere come back too.
 */
#include "worker.h"
#include "claim.h"
#include "err.h"
#include "progress.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
    int alive;
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

/* attempts_for - the attempt counter of a tile, created at 0. */
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
    a->count = 0;
    snprintf(a->tile, sizeof a->tile, "%s", tile);
    return a;
}

/* pending - tiles waiting in tiles/ of all usable jobs (-1 on error).
 * Claimed tiles are not counted: their owners are alive, or recovery
 * moves them back to tiles/ first. */
static long pending(const struct pool *p)
{
    long n = 0;
    for (int i = 0; i < p->njobs; i++) {
        char dir[PATH_MAX], err[ERR_MAX];
        if (p->jobs[i].broken)
            continue;
        if (spool_path(dir, p->jobs[i].dir, SPOOL_TILES, NULL, err) < 0)
            return -1;
        int t = spool_count(dir);
        if (t < 0)
            return -1;
        n += t;
    }
    return n;
}

/* recover_all - requeue dead claims in every job. */
static void recover_all(struct pool *p)
{
    for (int i = 0; i < p->njobs; i++) {
        char err[ERR_MAX];
        int requeued = 0, finished = 0;
        if (p->jobs[i].broken)
            continue;
        if (claim_recover(p->jobs[i].dir, &requeued, &finished, err) < 0) {
            msg_warn("job %s: recovery: %s", p->jobs[i].m.job, err);
            p->spool_error = 1;
        } else if (requeued + finished > 0) {
            msg_info("job %s: recovered %d claimed tile(s): %d requeued, %d already done",
                     p->jobs[i].m.job, requeued + finished, requeued, finished);
        }
    }
}

/* spawn - start child `index`. */
static int spawn(struct pool *p, int index)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        msg_warn("fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        child_main(p->o, p->jobs, p->njobs, p->slots, index);
    }
    p->slots[index].pid = pid;
    atomic_store(&p->slots[index].busy, 0);
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

/* take_back - the tile a dead child was on: retry it or fail it. */
static void take_back(struct pool *p, int index, int status)
{
    struct slot *s = &p->slots[index];
    struct job *j = &p->jobs[s->job];
    char why[160], err[ERR_MAX];
    struct claim c;
    death_reason(status, p->timed_out[index], p->o->timeout, why, sizeof why);
    struct attempt *a = attempts_for(p, s->job, s->tile);
    int tries = a ? ++a->count : p->o->retries + 1;
    int r = claim_adopt(j->dir, s->claim_entry, &c, err);
    if (r != 0) {
        if (r < 0)
            msg_warn("job %s: tile %s: %s", j->m.job, s->tile, err);
        return;        /* already moved on (e.g. committed just before dying) */
    }
    if (tries <= p->o->retries) {
        msg_warn("job %s: tile %s: %s; attempt %d of %d, requeued", j->m.job, s->tile, why,
                 tries, p->o->retries + 1);
        r = claim_release(&c, err);
    } else {
        msg_warn("job %s: tile %s: %s; failed after %d attempt(s)", j->m.job, s->tile, why,
                 tries);
        r = claim_fail(&c, p->timed_out[index] ? "timeout" : "signal", why, tries,
                       (long)s->pid, err);
    }
    if (r < 0) {
        msg_warn("job %s: tile %s: %s", j->m.job, s->tile, err);
        p->spool_error = 1;
    }
}

/* reap - collect every child that has ended; returns how many. */
static int reap(struct pool *p)
{
    int n = 0, status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int index = 0;
        while (index < p->o->workers && p->slots[index].pid != pid)
            index++;
        if (index == p->o->workers)
            continue;
        p->alive--;
        n++;
        p->slots[index].pid = 0;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code == CHILD_SPOOL)
            p->spool_error = 1;
        if (code != CHILD_IDLE && code != CHILD_REPLACE && code != CHILD_SPOOL &&
            atomic_load(&p->slots[index].busy))
            take_back(p, index, status);
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

/* fill_pool - start children in free slots while there is work. */
static void fill_pool(struct pool *p)
{
    long work = pending(p);
    for (int i = 0; i < p->o->workers && p->alive < p->o->workers && work > 0; i++)
        if (p->slots[i].pid == 0 && spawn(p, i) < 0) {
            p->spool_error = 1;
            return;
        }
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

int supervise(const struct worker_opts *o, struct job *jobs, int njobs)
{
    struct pool p = {o, jobs, njobs, NULL, NULL, NULL, 0, 0, 0, 0};
    p.slots = mmap(NULL, sizeof(struct slot) * (size_t)o->workers, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    p.timed_out = calloc((size_t)o->workers, sizeof(int));
    if (p.slots == MAP_FAILED || !p.timed_out) {
        msg_warn("out of memory for %d worker slots", o->workers);
        return EXIT_SPOOL;
    }
    memset(p.slots, 0, sizeof(struct slot) * (size_t)o->workers);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    recover_all(&p);
    fill_pool(&p);
    while (!stop_signal && !p.spool_error) {
        if (reap(&p) > 0)
            recover_all(&p);
        enforce_timeouts(&p);
        if (p.alive < o->workers)
            fill_pool(&p);
        if (p.alive == 0)
            break;
        wait_a_little();
    }
    if (stop_signal || p.spool_error)
        shut_down(&p);
    munmap(p.slots, sizeof(struct slot) * (size_t)o->workers);
    free(p.timed_out);
    free(p.attempts);
    if (stop_signal)
        return 128 + stop_signal;
    return p.spool_error ? EXIT_SPOOL : EXIT_OK;
}
