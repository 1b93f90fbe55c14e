/* file - whole-file reads and crash-safe whole-file writes. */
#include "regio/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int regio_file_read(const char *path, char **buf, size_t *len)
{
    int rc = 0;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return -EISDIR;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    if (!b) {
        rc = -ENOMEM;
        goto fail_alloc;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                rc = -ENOMEM;
                goto fail_read;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = -EIO;
                goto fail_read;
            }
            break;
        }
    }
    b[n] = '\0';
    fclose(f);
    *buf = b;
    if (len)
        *len = n;
    return 0;
fail_read:
    free(b);
fail_alloc:
    fclose(f);
    return rc;
}

int regio_file_read_max(const char *path, size_t max, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK); /* a FIFO must not block the open */
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? -errno : !S_ISREG(st.st_mode) ? -EINVAL
                                          : (size_t)st.st_size > max ? -EFBIG : 0;
    char *b = rc == 0 ? malloc(max + 2) : NULL;
    size_t n = 0;
    if (rc == 0 && !b)
        rc = -ENOMEM;
    while (rc == 0 && n <= max) { /* max + 1 bytes at most: a file that grew is too large */
        ssize_t got = read(fd, b + n, max + 1 - n);
        if (got < 0 && errno != EINTR)
            rc = -errno;
        else if (got == 0)
            break;
        else if (got > 0)
            n += (size_t)got;
    }
    close(fd);
    if (rc == 0 && n > max)
        rc = -EFBIG;
    if (rc < 0) {
        free(b);
        return rc;
    }
    b[n] = '\0';
    *buf = b;
    if (len)
        *len = n;
    return 0;
}

int regio_file_write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0)
        return -errno;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail_write;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) < 0)
        goto fail_write;
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
fail_write: {
    int e = errno;
    close(fd);
    unlink(tmp);
    return -e;
}
}

/* mkdir that accepts an existing directory, but not an existing file. */
static int s_mkdir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0750) == 0)
        return 0;
    if (errno != EEXIST)
        return -errno;
    if (stat(path, &st) < 0)
        return -errno;
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int regio_file_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = s_mkdir(buf);
        if (rc < 0)
            return rc;
        *p = '/';
    }
    return s_mkdir(buf);
}
