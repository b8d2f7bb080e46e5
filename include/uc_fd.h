/* uc_fd.h - whole writes to a file descriptor, and switching its blocking mode.
 *
 * write(2) may write less than asked (pipes, sockets) or be interrupted by a signal; every
 * caller that must get all of its bytes out loops the same way. Writing to a pipe or socket
 * whose reader is gone raises SIGPIPE: the provider process ignores it (main.c), so the write
 * fails with EPIPE instead.
 */
#ifndef UC_FD_H
#define UC_FD_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all n bytes of p to fd, retrying short writes and EINTR. False on any other error or a
 * zero-length write (errno tells which); some bytes may have been written by then. */
bool uc_write_all(int fd, const void *p, size_t n);

/* Sets (on) or clears O_NONBLOCK on fd, keeping its other status flags. False on failure (errno
 * tells why). */
bool uc_fd_set_nonblocking(int fd, bool on);

#endif
