/* fuzz_history - record the inputs since the last restart; replay them. */
#include "fuzz_history.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_env.h"
#include "regio/file.h"

static int s_fd = -2; /* -2: not looked at REGIO_FUZZ_HISTORY yet; -1: off */

static int s_fd_get(void)
{
    if (s_fd == -2) {
        const char *path = getenv("REGIO_FUZZ_HISTORY");
        s_fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
        if (path && s_fd < 0)
            fuzz_die("cannot write the history to %s", path);
    }
    return s_fd;
}

void fuzz_history_restart(void)
{
    int fd = s_fd_get();
    if (fd >= 0 && (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0))
        fuzz_die("cannot empty the history file");
}

void fuzz_history_add(const uint8_t *data, size_t size)
{
    int fd = s_fd_get();
    if (fd < 0)
        return;
    uint8_t head[4] = {(uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
                       (uint8_t)(size >> 24)};
    if (write(fd, head, 4) != 4 || write(fd, data, size) != (ssize_t)size)
        fuzz_die("cannot append to the history file");
}

void fuzz_history_prelude(void (*fn)(void *arg, const uint8_t *data, size_t size), void *arg)
{
    static int done;
    const char *path = getenv("REGIO_FUZZ_PRELUDE");
    if (done || !path)
        return;
    done = 1;
    char *text;
    size_t len, at = 0;
    if (regio_file_read(path, &text, &len) < 0)
        fuzz_die("cannot read the prelude %s", path);
    while (at < len) {
        const uint8_t *p = (const uint8_t *)text + at;
        if (len - at < 4)
            fuzz_die("prelude %s: truncated at byte %zu", path, at);
        size_t n = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        if (n > len - at - 4)
            fuzz_die("prelude %s: truncated at byte %zu", path, at);
        fn(arg, p + 4, n);
        at += 4 + n;
    }
    free(text);
}
