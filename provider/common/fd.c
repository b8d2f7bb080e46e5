/* fd.c - whole writes to a file descriptor, and its blocking mode (uc_fd.h). */
#include "uc_fd.h"

#include <errno.h>
#include <fcntl.h>
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

bool uc_fd_set_nonblocking(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return false;
    int want = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    return want == fl || fcntl(fd, F_SETFL, want) == 0;
}
