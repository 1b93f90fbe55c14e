/* file - whole-file reads and crash-safe whole-file writes. */
#ifndef REGIO_FILE_H
#define REGIO_FILE_H

#include <stddef.h>

/* Read a whole file into a NUL-terminated buffer; *buf is the caller's to
 * free, *len (may be NULL) excludes the NUL. Returns 0 or -errno/-ENOMEM. */
int regio_file_read(const char *path, char **buf, size_t *len);

/* As regio_file_read, for files that must be small and regular (a config
 * file): -EINVAL when path is not a regular file (a device such as
 * /dev/zero, a FIFO, a directory), -EFBIG when it holds more than max
 * bytes; never reads more than max + 1 bytes. */
int regio_file_read_max(const char *path, size_t max, char **buf, size_t *len);

/* Write data to path atomically: to path.tmp, fsync, rename. Readers see the
 * old file or the new one, never half of it. Returns 0 or -errno. */
int regio_file_write_atomic(const char *path, const void *data, size_t len);

/* Create a directory and its parents (mode 0750); existing is fine.
 * Returns 0 or -errno. */
int regio_file_mkdirs(const char *path);

#endif
