/*
 * test_confine - a confined worker child can write inside its job
 * directories and nowhere else, cannot regain privileges, and leaves no
 * core dumps (worker/confine.c).
 */
#include "../../worker/confine.h"
#include "check.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* try_create - 0 if path could be created, else errno. */
static int try_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* Child exit code bits: which expectations held. */
enum { IN_OK = 1, OUT_DENIED = 2, RENAME_OUT_DENIED = 4, NNP = 8, NOCORE = 16, CONFINED = 32 };

static int child(const char *top, struct job *job)
{
    char err[ERR_MAX], in[PATH_MAX + 16], out[PATH_MAX + 16], moved[PATH_MAX + 16];
    if (confine_child(job, 1, err) < 0) {
        fprintf(stderr, "confine: %s\n", err);
        return 0;
    }
    int bits = CONFINED;
    snprintf(in, sizeof in, "%s/tiles/new", job->dir);
    snprintf(out, sizeof out, "%s/outside", top);
    snprintf(moved, sizeof moved, "%s/moved", top);
    if (try_create(in) == 0)
        bits |= IN_OK;
    if (try_create(out) == EACCES)
        bits |= OUT_DENIED;
    if (rename(in, moved) < 0 && (errno == EACCES || errno == EXDEV))
        bits |= RENAME_OUT_DENIED;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
        bits |= NNP;
    struct rlimit r;
    if (getrlimit(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 0 && r.rlim_max == 0)
        bits |= NOCORE;
    return bits;
}

int main(void)
{
    char top[] = "/tmp/tilespool-confine.XXXXXX";
    if (!mkdtemp(top))
        return perror("mkdtemp"), 1;
    static struct job job;
    snprintf(job.dir, sizeof job.dir, "%s/job", top);
    char tiles[PATH_MAX + 16];
    snprintf(tiles, sizeof tiles, "%s/tiles", job.dir);
    mkdir(job.dir, 0777);
    mkdir(tiles, 0777);

    int abi = confine_available();
    pid_t pid = fork();
    if (pid == 0)
        _exit(child(top, &job));
    int status = 0;
    waitpid(pid, &status, 0);
    int bits = WIFEXITED(status) ? WEXITSTATUS(status) : 0;

    CHECK(bits & CONFINED, "confine_child succeeds", "child exit %d", bits);
    CHECK(bits & NNP, "no_new_privs is set", "bits %d", bits);
    CHECK(bits & NOCORE, "core dumps are off", "bits %d", bits);
    CHECK(bits & IN_OK, "creating a file inside the job directory works", "bits %d", bits);
    if (abi > 0) {
        CHECK(bits & OUT_DENIED, "creating a file outside the job directories is refused",
              "bits %d (landlock ABI %d)", bits, abi);
        CHECK(bits & RENAME_OUT_DENIED, "renaming a file out of the job directory is refused",
              "bits %d (landlock ABI %d)", bits, abi);
    } else {
        printf("skip - confinement to the job directories: this kernel has no Landlock\n");
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/tiles/new", job.dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/outside", top);
    unlink(path);
    snprintf(path, sizeof path, "%s/moved", top);
    unlink(path);
    rmdir(tiles);
    rmdir(job.dir);
    rmdir(top);
    CHECK_DONE();
}
