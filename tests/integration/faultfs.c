/* faultfs - make a service's writes to data.mdb fail on demand (LD_PRELOAD).
 *
 * While the file named by REGIO_FAULT_FILE exists, every write and sync of
 * a file whose name ends in "data.mdb" fails with the errno named in it
 * ("EIO" or "ENOSPC"; EIO when empty); "EIO-META" fails only the writes of
 * LMDB's two meta pages (the first 8 KiB), after the data pages went out.
 * Remove the file and writes work again. Other files (logs, keys, store-id) are never touched, so the
 * service under test sees exactly what a failing disk would show LMDB.
 * Test-only: built as a shared library beside the tests.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* The errno to fail fd's writes at off (-1: not positioned) with, or 0. */
static int s_fault_at(int fd, off_t off)
{
    const char *trigger = getenv("REGIO_FAULT_FILE");
    struct stat st;
    if (!trigger || stat(trigger, &st) != 0)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 8)
        return 0;
    path[n] = '\0';
    if (strcmp(path + n - 8, "data.mdb") != 0)
        return 0;
    char what[16] = "";
    FILE *f = fopen(trigger, "r");
    if (f) {
        if (!fgets(what, sizeof what, f))
            what[0] = '\0';
        fclose(f);
    }
    if (strncmp(what, "EIO-META", 8) == 0)
        return off >= 0 && off < 8192 ? EIO : 0;
    return strncmp(what, "ENOSPC", 6) == 0 ? ENOSPC : EIO;
}

static int s_fault(int fd)
{
    return s_fault_at(fd, -1);
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*sync_fn)(int);

/* Return -1 with errno e when e is set. */
#define FAIL_ON(e)                                                                                 \
    do {                                                                                           \
        int e_ = (e);                                                                              \
        if (e_) {                                                                                  \
            errno = e_;                                                                            \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

#define REAL(name, type)                                                                           \
    static type real_##name;                                                                       \
    if (!real_##name)                                                                              \
    real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, pwrite_fn);
    FAIL_ON(s_fault_at(fd, off));
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(writev, writev_fn);
    FAIL_ON(s_fault(fd));
    return real_writev(fd, iov, cnt);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write, write_fn);
    FAIL_ON(s_fault(fd));
    return real_write(fd, buf, n);
}

int fdatasync(int fd)
{
    REAL(fdatasync, sync_fn);
    FAIL_ON(s_fault(fd));
    return real_fdatasync(fd);
}

int fsync(int fd)
{
    REAL(fsync, sync_fn);
    FAIL_ON(s_fault(fd));
    return real_fsync(fd);
}
