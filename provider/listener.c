/* listener.c - the plugin's unix socket and its TLS front (host_listener.h): an acceptor thread,
 * and per connection a thread that makes the TLS handshake, waits for the sink and then relays
 * between the client's TLS socket and the sink's end of a socketpair.
 *
 * Why a front of our own instead of gRPC's TLS: gRPC owns the socket it listens on and can only
 * bind once its credentials (a parse of PEM key and certificates) and the server exist, which
 * kept Terraform waiting for all of gRPC's start-up before it could even dial. Here the socket
 * exists as soon as the certificate does, and the handshake runs while gRPC starts.
 *
 * Locking: l->mu guards the connection list, each connection's fd/inner/done, the sink and
 * stopping. A connection's thread is the only one that closes its descriptors (under mu);
 * host_listener_free only shuts them down, which wakes any blocking call on them.
 */
#include "host_listener.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "uc_cancel.h"
#include "uc_fd.h"
#include "uc_log.h"

/* One TLS record's worth of plaintext. */
#define RELAY_BUF 16384

struct conn {
    struct host_listener *l;
    pthread_t thread;
    int fd;           /* the client's socket; -1 once closed or handed to the sink */
    int inner;        /* our end of the socketpair to the sink; -1 = none */
    bool done;        /* the thread has finished; the acceptor or free joins it */
    atomic_bool busy; /* between taking bytes from the sink and handing them to the client */
    struct conn *next;
};

struct host_listener {
    int fd;
    SSL_CTX *tls; /* NULL = plaintext */
    unsigned handshake_timeout_ms;
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* sink set, or stopping */
    host_listener_sink_fn sink;
    void *sink_ud;
    bool stopping;
    struct conn *conns;
    size_t nconns;
};

static void set_timeouts(int fd, time_t seconds)
{
    struct timeval tv = {.tv_sec = seconds};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* The TLS handshake on c->fd, done within the listener's handshake timeout as a whole: the
 * socket is non-blocking meanwhile and every wait for it gets only the time left, so a client
 * that trickles its bytes cannot hold the thread longer than one that says nothing. NULL when
 * the client fails it (no certificate, one that does not verify, no "h2", too slow, ...). */
static SSL *handshake(struct conn *c)
{
    const char *why = NULL;
    SSL *ssl = SSL_new(c->l->tls);
    if (!uc_fd_set_nonblocking(c->fd, true) || !ssl || SSL_set_fd(ssl, c->fd) != 1) {
        why = "no resources for the connection";
        goto fail;
    }
    uint64_t deadline = uc_clock_monotonic_ms() + c->l->handshake_timeout_ms;
    for (;;) {
        int r = SSL_accept(ssl);
        if (r == 1)
            break;
        int e = SSL_get_error(ssl, r);
        struct pollfd p = {.fd = c->fd,
                           .events = e == SSL_ERROR_WANT_READ    ? POLLIN
                                     : e == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                                 : 0};
        if (!p.events)
            goto fail; /* OpenSSL's error queue says why */
        uint64_t now = uc_clock_monotonic_ms();
        int n = now < deadline ? poll(&p, 1, (int)(deadline - now)) : 0;
        if (n == 0) {
            why = "timed out";
            goto fail;
        }
        if (n < 0 && errno != EINTR) {
            why = "poll failed";
            goto fail;
        }
    }
    /* Blocking again for the relay; an idle connection is fine once it is authenticated. */
    if (!uc_fd_set_nonblocking(c->fd, false)) {
        why = "cannot make the socket blocking again";
        goto fail;
    }
    return ssl;
fail:
    if (!why) {
        unsigned long e = ERR_peek_last_error();
        why = e ? ERR_reason_error_string(e) : NULL;
    }
    uc_log(UC_LOG_WARN, "host", "TLS handshake with a client failed", "error",
           why ? why : "connection closed", NULL);
    SSL_free(ssl);
    ERR_clear_error();
    return NULL;
}

static bool ssl_write_all(SSL *ssl, const char *p, size_t n)
{
    while (n) {
        size_t w = 0;
        if (SSL_write_ex(ssl, p, n, &w) != 1) {
            int e = SSL_get_error(ssl, 0);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                continue;
            return false;
        }
        p += w;
        n -= w;
    }
    return true;
}

/* Relays until either side ends. True when the sink's side ended first (the client is still
 * there and gets a close_notify). Both sockets are blocking: a client that stops reading stalls
 * only its own connection. */
static bool relay(struct conn *c, SSL *ssl, int inner)
{
    char buf[RELAY_BUF];
    struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN}, {.fd = inner, .events = POLLIN}};
    for (;;) {
        /* Decrypted bytes already inside OpenSSL do not make the socket readable. */
        if (SSL_pending(ssl) > 0) {
            p[0].revents = POLLIN;
            p[1].revents = 0;
        } else if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (p[0].revents) {
            size_t n = 0;
            if (SSL_read_ex(ssl, buf, sizeof buf, &n) == 1) {
                if (!uc_write_all(inner, buf, n))
                    return true;
            } else {
                /* WANT_READ: a record with no application data (SSL_MODE_AUTO_RETRY is off). */
                int e = SSL_get_error(ssl, 0);
                ERR_clear_error();
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return false;
            }
        }
        if (p[1].revents) {
            atomic_store(&c->busy, true);
            ssize_t n = recv(inner, buf, sizeof buf, 0);
            bool sent = n > 0 && ssl_write_all(ssl, buf, (size_t)n);
            atomic_store(&c->busy, false);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return true;
            if (!sent)
                return false;
        }
    }
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct host_listener *l = c->l;
    SSL *ssl = NULL;
    int pair[2] = {-1, -1};
    bool say_bye = false;

    if (l->tls) {
        ssl = handshake(c);
        if (!ssl)
            goto out;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            uc_log(UC_LOG_ERROR, "host", "cannot make a socket pair for a connection", "error",
                   strerror(errno), NULL);
            goto out;
        }
    }
    pthread_mutex_lock(&l->mu);
    while (!l->sink && !l->stopping)
        pthread_cond_wait(&l->cv, &l->mu);
    if (l->stopping) {
        pthread_mutex_unlock(&l->mu);
        goto out;
    }
    host_listener_sink_fn sink = l->sink;
    void *ud = l->sink_ud;
    int give;
    if (ssl) {
        c->inner = pair[0];
        give = pair[1];
        pair[0] = pair[1] = -1;
    } else {
        give = c->fd;
        c->fd = -1;
    }
    pthread_mutex_unlock(&l->mu);
    sink(ud, give);
    if (ssl)
        say_bye = relay(c, ssl, c->inner);
out:
    if (ssl) {
        if (say_bye) {
            set_timeouts(c->fd, 1);
            SSL_shutdown(ssl);
        }
        SSL_free(ssl);
    }
    if (pair[0] >= 0)
        close(pair[0]);
    if (pair[1] >= 0)
        close(pair[1]);
    pthread_mutex_lock(&l->mu);
    if (c->inner >= 0)
        close(c->inner); /* the sink reads end of stream */
    if (c->fd >= 0)
        close(c->fd);
    c->inner = c->fd = -1;
    c->done = true;
    pthread_mutex_unlock(&l->mu);
    ERR_clear_error();
    return NULL;
}

/* Joins and frees the connections whose threads have finished. Acceptor or free only. */
static void reap(struct host_listener *l)
{
    struct conn *dead = NULL;
    pthread_mutex_lock(&l->mu);
    for (struct conn **pp = &l->conns; *pp;) {
        struct conn *c = *pp;
        if (c->done) {
            *pp = c->next;
            c->next = dead;
            dead = c;
            l->nconns--;
        } else {
            pp = &c->next;
        }
    }
    pthread_mutex_unlock(&l->mu);
    while (dead) {
        struct conn *next = dead->next;
        pthread_join(dead->thread, NULL);
        free(dead);
        dead = next;
    }
}

static void *accept_main(void *arg)
{
    struct host_listener *l = arg;
    for (;;) {
        int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
        pthread_mutex_lock(&l->mu);
        bool stopping = l->stopping;
        pthread_mutex_unlock(&l->mu);
        if (stopping) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED) {
                /* Out of descriptors or memory: wait a little instead of spinning. */
                uc_log(UC_LOG_WARN, "host", "accept failed", "error", strerror(errno), NULL);
                struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        reap(l);
        struct conn *c = calloc(1, sizeof *c);
        pthread_mutex_lock(&l->mu);
        if (!c || l->nconns >= HOST_LISTENER_MAX_CONNS) {
            pthread_mutex_unlock(&l->mu);
            uc_log(UC_LOG_WARN, "host", "connection refused: too many connections", NULL);
            free(c);
            close(fd);
            continue;
        }
        c->l = l;
        c->fd = fd;
        c->inner = -1;
        if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
            pthread_mutex_unlock(&l->mu);
            uc_log(UC_LOG_WARN, "host", "connection refused: no thread for it", NULL);
            free(c);
            close(fd);
            continue;
        }
        c->next = l->conns;
        l->conns = c;
        l->nconns++;
        pthread_mutex_unlock(&l->mu);
    }
}

/* Binds and listens on path; a stale socket file of that name is replaced. -1 with *st. */
static int listen_on(const char *path, uc_status *st)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        *st = UC_RANGE;
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *st = UC_IO;
        return -1;
    }
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    struct stat sb;
    if (r != 0 && errno == EADDRINUSE && lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
        unlink(path) == 0)
        r = bind(fd, (struct sockaddr *)&a, sizeof a);
    if (r != 0 || listen(fd, 16) != 0) {
        uc_log(UC_LOG_ERROR, "host", "cannot listen on the plugin socket", "socket", path, "error",
               strerror(errno), NULL);
        close(fd);
        *st = UC_IO;
        return -1;
    }
    return fd;
}

struct host_listener *host_listener_new(const char *path, struct ssl_ctx_st *tls,
                                        unsigned handshake_timeout_ms, uc_status *st)
{
    struct host_listener *l = calloc(1, sizeof *l);
    if (!l) {
        *st = UC_NOMEM;
        return NULL;
    }
    l->fd = listen_on(path, st);
    if (l->fd < 0) {
        free(l);
        return NULL;
    }
    if (tls) {
        SSL_CTX_up_ref(tls);
        l->tls = tls;
    }
    l->handshake_timeout_ms = handshake_timeout_ms;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->acceptor, NULL, accept_main, l) != 0) {
        close(l->fd);
        SSL_CTX_free(l->tls);
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        free(l);
        *st = UC_INTERNAL;
        return NULL;
    }
    *st = UC_OK;
    return l;
}

void host_listener_set_sink(struct host_listener *l, host_listener_sink_fn fn, void *ud)
{
    pthread_mutex_lock(&l->mu);
    if (!l->sink) {
        l->sink = fn;
        l->sink_ud = ud;
    }
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

/* True when no relay holds bytes the sink has written: none queued on its end of the pair
 * (checked first) and none between recv and the client's socket (checked second, so bytes taken
 * in between are seen as busy). */
static bool relays_idle(struct host_listener *l)
{
    bool idle = true;
    pthread_mutex_lock(&l->mu);
    for (struct conn *c = l->conns; c && idle; c = c->next) {
        int queued = 0;
        if (c->inner >= 0 && ioctl(c->inner, FIONREAD, &queued) == 0 && queued > 0)
            idle = false;
        else if (atomic_load(&c->busy))
            idle = false;
    }
    pthread_mutex_unlock(&l->mu);
    return idle;
}

void host_listener_flush(struct host_listener *l, unsigned timeout_ms)
{
    if (!l || !l->tls)
        return; /* plaintext: the sink writes to the client's socket itself */
    for (unsigned waited = 0; !relays_idle(l) && waited < timeout_ms * 10; waited++) {
        struct timespec ts = {.tv_nsec = 100 * 1000};
        nanosleep(&ts, NULL);
    }
}

void host_listener_free(struct host_listener *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stopping = true;
    pthread_cond_broadcast(&l->cv);
    for (struct conn *c = l->conns; c; c = c->next) {
        if (c->fd >= 0)
            shutdown(c->fd, SHUT_RDWR);
        if (c->inner >= 0)
            shutdown(c->inner, SHUT_RDWR);
    }
    pthread_mutex_unlock(&l->mu);
    shutdown(l->fd, SHUT_RDWR); /* accept returns */
    pthread_join(l->acceptor, NULL);
    /* No connection is added any more; every thread left ends on its shut-down sockets or on
     * stopping. */
    struct conn *c = l->conns;
    l->conns = NULL;
    while (c) {
        struct conn *next = c->next;
        pthread_join(c->thread, NULL);
        free(c);
        c = next;
    }
    close(l->fd);
    SSL_CTX_free(l->tls);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}
