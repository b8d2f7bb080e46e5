/* fd.c - whole writes to a file descriptor (uc_fd.h). */
#include "uc_fd.h"

#include <errno.h>
#include <unistd.h>

bool uc_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}
