/* restore_cmd - bring a cluster's stores back from a backup folder.
 *
 * Offline: every copy is proven to be the one the manifest names (store
 * id, last transaction, content digest) and no target store may be open
 * in any process (LMDB holds a lock on its lock.mdb while open) before
 * anything changes. Then each store is staged beside its target, the old
 * store (if any) is moved aside, never deleted, and the staged one renamed
 * into place with its store-id and store-digest files: it keeps its store
 * id, so followers accept it, and its first start verifies its content.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "ctl.h"
#include "manifest.h"
#include "regio/file.h"
#include "regio/store_check.h"

#define PATH_MAX_ 1100

/* Whether a process has the store in dir open: the pid, or 0. */
static long s_user(const char *dir)
{
    char p[PATH_MAX_];
    snprintf(p, sizeof p, "%.1000s/lock.mdb", dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    long pid = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK ? (long)fl.l_pid : 0;
    close(fd);
    return pid;
}

/* The copy in DIR/<service> is the one the manifest names. */
static int s_verify(const char *folder, const regioctl_manifest_store_t *e, char *err, size_t n)
{
    regio_store_check_t chk;
    char cerr[1200];
    int rc = regio_store_check(folder, NULL, &chk, cerr, sizeof cerr);
    if (rc < 0)
        snprintf(err, n, "the %s copy: %s", e->service, cerr);
    else if (!chk.exists)
        snprintf(err, n, "the %s copy is missing: no %s/data.mdb", e->service, folder);
    else if (strcmp(chk.digest, e->digest) != 0 || chk.txnid != e->txnid ||
             strcmp(chk.store_id, e->store_id) != 0)
        snprintf(err, n, "%s/data.mdb is not the copy the manifest names (store %.12s, "
                 "transaction %llu, digest %s; the manifest says %.12s, %llu, %s)", folder,
                 chk.store_id, (unsigned long long)chk.txnid, chk.digest, e->store_id,
                 (unsigned long long)e->txnid, e->digest);
    else
        return 0;
    return -1;
}

static int s_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), rc = 0;
    if (in < 0)
        return -errno;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        rc = -errno;
        close(in);
        return rc;
    }
    static char buf[1 << 20];
    for (ssize_t r; rc == 0 && (r = read(in, buf, sizeof buf)) != 0;) {
        if (r < 0 && errno == EINTR)
            continue;
        for (ssize_t off = 0; r > 0 && off < r && rc == 0;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno != EINTR)
                rc = -errno;
            off += w > 0 ? w : 0;
        }
        if (r < 0)
            rc = -errno;
    }
    if (rc == 0 && fsync(out) < 0)
        rc = -errno;
    close(out);
    close(in);
    return rc;
}

/* Stage the copy at <var>/.<service>.restoring, then swap it in. */
static int s_restore(const char *folder, const char *var, const regioctl_manifest_store_t *e,
                     const char *stamp, char *aside, size_t an, char *err, size_t n)
{
    char stage[PATH_MAX_], target[PATH_MAX_], from[PATH_MAX_ + 16], to[PATH_MAX_ + 16];
    snprintf(stage, sizeof stage, "%s/.%s.restoring", var, e->service);
    snprintf(target, sizeof target, "%s/%s", var, e->service);
    const char *names[] = {"data.mdb", "lock.mdb", "store-id", "store-digest"};
    for (int i = 0; i < 4; i++) { /* a restore that stopped half-way left these */
        snprintf(to, sizeof to, "%s/%s", stage, names[i]);
        unlink(to);
    }
    snprintf(from, sizeof from, "%s/data.mdb", folder);
    snprintf(to, sizeof to, "%s/data.mdb", stage);
    int rc = regio_file_mkdirs(stage);
    if (rc == 0)
        rc = s_copy_file(from, to);
    snprintf(to, sizeof to, "%s/store-id", stage);
    if (rc == 0)
        rc = regio_file_write_atomic(to, e->store_id, strlen(e->store_id));
    if (rc == 0)
        rc = regio_store_check_write_digest(stage, e->txnid, e->digest);
    aside[0] = '\0';
    struct stat st;
    if (rc == 0 && stat(target, &st) == 0) {
        snprintf(aside, an, "%s.before-restore-%s", target, stamp);
        rc = rename(target, aside) < 0 ? -errno : 0;
    }
    if (rc == 0)
        rc = rename(stage, target) < 0 ? -errno : 0;
    if (rc < 0)
        snprintf(err, n, "restoring %s into %s: %s", e->service, target, strerror(-rc));
    return rc;
}

int regioctl_restore(regioctl_t *c, int argc, char **argv)
{
    const char *dir = NULL, *var = NULL;
    for (int i = 1; i < argc; i++) {
        if (regioctl_opt_is(argv[i], "--into")) {
            if (!(var = regioctl_opt_value(c, argc, argv, &i)))
                return REGIOCTL_EXIT_USAGE;
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            dir = NULL;
            break;
        }
    }
    if (!dir || !var || strlen(dir) > 1000 || strlen(var) > 1000)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "usage: regioctl restore DIR --into VARDIR");
    regioctl_manifest_t m;
    char err[PATH_MAX_ * 2], folder[PATH_MAX_], target[PATH_MAX_];
    if (regioctl_manifest_read(dir, &m, err, sizeof err) < 0)
        return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s", err);
    for (int i = 0; i < m.n; i++) { /* prove everything before changing anything */
        snprintf(folder, sizeof folder, "%s/%s", dir, m.s[i].service);
        snprintf(target, sizeof target, "%s/%s", var, m.s[i].service);
        if (s_verify(folder, &m.s[i], err, sizeof err) < 0)
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s; nothing was restored", err);
        long pid = s_user(target);
        if (pid)
            return regioctl_fail(c, REGIOCTL_EXIT_USAGE, "%s is open in process %ld: stop the "
                                 "cluster first (./regio down); nothing was restored", target, pid);
    }
    char stamp[32], aside[PATH_MAX_ + 64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", gmtime_r(&now, &tm));
    for (int i = 0; i < m.n; i++) {
        snprintf(folder, sizeof folder, "%s/%s", dir, m.s[i].service);
        if (s_restore(folder, var, &m.s[i], stamp, aside, sizeof aside, err, sizeof err) < 0)
            return regioctl_fail(c, REGIOCTL_EXIT_SERVICE, "%s (the stores before it are "
                                 "restored; run it again)", err);
        printf("%-9s seq=%llu store=%.12s restored into %s/%s%s%s\n", m.s[i].service,
               (unsigned long long)m.s[i].seq, m.s[i].store_id, var, m.s[i].service,
               aside[0] ? "; the store it replaced is in " : "", aside);
    }
    printf("restored %d stores from the backup of %s\n", m.n, m.created);
    return 0;
}
