/* test_host_listener.c - the TLS front with a real OpenSSL client: the handshake completes
 * before any sink exists and bytes flow both ways once one is set; a client without a
 * certificate, with one the server does not trust, or without "h2" never reaches the sink;
 * a client that trickles its handshake is dropped when the handshake timeout has passed;
 * plaintext mode hands the accepted socket over; freeing with silent and relaying clients
 * returns.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "host_listener.h"
#include "host_tls.h"
#include "test_host_pem.h"

#define MAXFDS 8

struct fixture {
    char dir[64];
    char socket[128];
    struct host_cert server, client, stranger;
    struct host_listener *l;
    unsigned handshake_timeout_ms; /* for start_tls */
    pthread_mutex_t mu;
    int fds[MAXFDS]; /* handed to the sink */
    int nfds;
};

static void sink(void *ud, int fd)
{
    struct fixture *f = ud;
    pthread_mutex_lock(&f->mu);
    if (f->nfds < MAXFDS)
        f->fds[f->nfds++] = fd;
    else
        close(fd);
    pthread_mutex_unlock(&f->mu);
}

static int sunk(struct fixture *f)
{
    pthread_mutex_lock(&f->mu);
    int n = f->nfds;
    pthread_mutex_unlock(&f->mu);
    return n;
}

/* Waits up to 5 s for the sink to have n descriptors. */
static bool wait_sunk(struct fixture *f, int n)
{
    for (int i = 0; i < 500; i++) {
        if (sunk(f) >= n)
            return true;
        struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static int dial(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* A TLS client on a new connection: cert NULL = none; alpn "h2" unless given. It trusts the
 * server's certificate alone. The handshake's result is in *ok. */
static SSL *client(struct fixture *f, const struct host_cert *cert, const char *alpn, int *fd,
                   bool *ok)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), f->server.x509), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (cert) {
        assert_int_equal(SSL_CTX_use_certificate(ctx, cert->x509), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey(ctx, cert->key), 1);
    }
    unsigned char protos[16];
    const char *p = alpn ? alpn : "h2";
    protos[0] = (unsigned char)strlen(p);
    memcpy(protos + 1, p, protos[0]);
    assert_int_equal(SSL_CTX_set_alpn_protos(ctx, protos, protos[0] + 1u), 0);
    SSL *ssl = SSL_new(ctx);
    SSL_CTX_free(ctx);
    assert_non_null(ssl);
    *fd = dial(f->socket);
    SSL_set_fd(ssl, *fd);
    SSL_set1_host(ssl, "localhost");
    *ok = SSL_connect(ssl) == 1;
    ERR_clear_error();
    return ssl;
}

static void client_free(SSL *ssl, int fd)
{
    SSL_free(ssl);
    close(fd);
}

/* Through the relay: client -> sink descriptor -> client. */
static void round_trip(SSL *ssl, int inner)
{
    assert_int_equal(SSL_write(ssl, "ping", 4), 4);
    char buf[16] = {0};
    struct pollfd p = {.fd = inner, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    assert_int_equal(read(inner, buf, sizeof buf), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_int_equal(write(inner, "pong!", 5), 5);
    memset(buf, 0, sizeof buf);
    assert_int_equal(SSL_read(ssl, buf, sizeof buf), 5);
    assert_memory_equal(buf, "pong!", 5);
}

/* The server's alert reaches a rejected client on its first read, at the latest. */
static void assert_rejected(SSL *ssl, bool handshake_ok)
{
    if (handshake_ok) {
        char buf[16];
        SSL_write(ssl, "ping", 4);
        assert_true(SSL_read(ssl, buf, sizeof buf) <= 0);
        ERR_clear_error();
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    pthread_mutex_init(&f->mu, NULL);
    snprintf(f->dir, sizeof f->dir, "/tmp/uc-lst-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->socket, sizeof f->socket, "%s/s", f->dir);
    f->handshake_timeout_ms = HOST_LISTENER_HANDSHAKE_TIMEOUT_MS;
    host_cert_init(&f->server);
    host_cert_init(&f->client);
    host_cert_init(&f->stranger);
    if (host_cert_generate(&f->server) != UC_OK || host_cert_generate(&f->client) != UC_OK ||
        host_cert_generate(&f->stranger) != UC_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    host_listener_free(f->l);
    for (int i = 0; i < f->nfds; i++)
        close(f->fds[i]);
    host_cert_release(&f->server);
    host_cert_release(&f->client);
    host_cert_release(&f->stranger);
    unlink(f->socket);
    rmdir(f->dir);
    pthread_mutex_destroy(&f->mu);
    free(f);
    return 0;
}

static void start_tls(struct fixture *f)
{
    char *pem = test_pem_cert(&f->client);
    assert_non_null(pem);
    struct ssl_ctx_st *ctx = NULL;
    assert_int_equal(host_tls_server_ctx_new(pem, strlen(pem), &ctx), UC_OK);
    assert_int_equal(host_tls_server_ctx_use(ctx, &f->server), UC_OK);
    free(pem);
    uc_status st;
    f->l = host_listener_new(f->socket, ctx, f->handshake_timeout_ms, &st);
    host_tls_server_ctx_free(ctx); /* the listener keeps its own reference */
    assert_non_null(f->l);
    assert_int_equal(st, UC_OK);
}

static void test_handshake_before_sink(void **state)
{
    struct fixture *f = *state;
    start_tls(f);
    int fd;
    bool ok;
    SSL *ssl = client(f, &f->client, NULL, &fd, &ok);
    assert_true(ok);
    const unsigned char *proto = NULL;
    unsigned int plen = 0;
    SSL_get0_alpn_selected(ssl, &proto, &plen);
    assert_int_equal(plen, 2);
    assert_memory_equal(proto, "h2", 2);
    /* No sink yet: the connection waits, nothing is handed over. */
    struct timespec ts = {.tv_nsec = 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(sunk(f), 0);
    host_listener_set_sink(f->l, sink, f);
    assert_true(wait_sunk(f, 1));
    round_trip(ssl, f->fds[0]);
    /* The sink closes its end: the client reads a clean end of stream (close_notify). */
    close(f->fds[0]);
    f->nfds = 0;
    char buf[8];
    assert_int_equal(SSL_read(ssl, buf, sizeof buf), 0);
    assert_int_equal(SSL_get_error(ssl, 0), SSL_ERROR_ZERO_RETURN);
    client_free(ssl, fd);
}

static void test_rejected_clients(void **state)
{
    struct fixture *f = *state;
    start_tls(f);
    host_listener_set_sink(f->l, sink, f);
    int fd;
    bool ok;
    SSL *ssl = client(f, NULL, NULL, &fd, &ok); /* no certificate */
    assert_rejected(ssl, ok);
    client_free(ssl, fd);
    ssl = client(f, &f->stranger, NULL, &fd, &ok); /* a certificate the server does not trust */
    assert_rejected(ssl, ok);
    client_free(ssl, fd);
    ssl = client(f, &f->client, "http/1.1", &fd, &ok); /* no h2 */
    assert_false(ok);
    client_free(ssl, fd);
    /* Not TLS at all. */
    fd = dial(f->socket);
    assert_int_equal(write(fd, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24), 24);
    char buf[64];
    /* An alert, end of stream or a reset: never a hang (that would be EAGAIN after 5 s). */
    ssize_t n = read(fd, buf, sizeof buf);
    assert_true(n >= 0 || errno == ECONNRESET);
    close(fd);
    /* None of them reached the sink; a good client still does. */
    ssl = client(f, &f->client, NULL, &fd, &ok);
    assert_true(ok);
    assert_true(wait_sunk(f, 1));
    assert_int_equal(sunk(f), 1);
    round_trip(ssl, f->fds[0]);
    client_free(ssl, fd);
}

/* The handshake timeout bounds the whole handshake: a client that sends its ClientHello one
 * byte at a time, each well within the timeout, is still dropped once the timeout has passed
 * since it connected (a timeout per read would let it hold the thread indefinitely). A
 * client that handshakes at once is not affected. */
static void test_handshake_deadline(void **state)
{
    struct fixture *f = *state;
    f->handshake_timeout_ms = 400;
    start_tls(f);
    host_listener_set_sink(f->l, sink, f);
    int fd = dial(f->socket);
    /* A TLS record header announcing a 512-byte handshake message, then 1 byte per 50 ms. */
    static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};
    assert_int_equal(write(fd, hello, 5), 5);
    struct timespec t0, t1, tick = {.tv_nsec = 50 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool dropped = false;
    for (int i = 0; i < 100 && !dropped; i++) { /* up to 5 s of trickling */
        nanosleep(&tick, NULL);
        unsigned char b = i < 4 ? hello[5 + i] : 0;
        if (send(fd, &b, 1, MSG_NOSIGNAL) != 1) {
            dropped = true;
            break;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 0) == 1) {
            char buf[64];
            ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            dropped = n >= 0 || errno == ECONNRESET; /* an alert, end of stream or a reset */
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(dropped);
    assert_true(waited >= 0.35); /* not before the timeout ... */
    assert_true(waited < 3.0);   /* ... and long before the trickle would end */
    close(fd);
    assert_int_equal(sunk(f), 0);
    /* A prompt client is still served. */
    bool ok;
    SSL *ssl = client(f, &f->client, NULL, &fd, &ok);
    assert_true(ok);
    assert_true(wait_sunk(f, 1));
    round_trip(ssl, f->fds[0]);
    client_free(ssl, fd);
}

static void test_plaintext(void **state)
{
    struct fixture *f = *state;
    uc_status st;
    f->l = host_listener_new(f->socket, NULL, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st);
    assert_non_null(f->l);
    int fd = dial(f->socket);
    assert_int_equal(write(fd, "abc", 3), 3);
    host_listener_set_sink(f->l, sink, f);
    assert_true(wait_sunk(f, 1));
    char buf[8] = {0};
    assert_int_equal(read(f->fds[0], buf, sizeof buf), 3); /* the accepted socket itself */
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(write(f->fds[0], "xy", 2), 2);
    assert_int_equal(read(fd, buf, sizeof buf), 2);
    close(fd);
}

static void test_stale_socket_and_bad_path(void **state)
{
    struct fixture *f = *state;
    uc_status st;
    /* A socket file left by a killed process is replaced. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    assert_true(strlen(f->socket) < sizeof a.sun_path);
    strcpy(a.sun_path, f->socket);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    close(s);
    f->l = host_listener_new(f->socket, NULL, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st);
    assert_non_null(f->l);
    char longpath[200];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    assert_null(host_listener_new(longpath, NULL, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st));
    assert_int_equal(st, UC_RANGE);
    assert_null(
        host_listener_new("/nonexistent-dir/s", NULL, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st));
    assert_int_equal(st, UC_IO);
}

/* free returns with a client that never says a word, one waiting for a sink and one relaying. */
static void test_free_with_clients(void **state)
{
    struct fixture *f = *state;
    start_tls(f);
    int silent = dial(f->socket);
    int fd1, fd2;
    bool ok;
    SSL *waiting = client(f, &f->client, NULL, &fd1, &ok);
    assert_true(ok);
    host_listener_set_sink(f->l, sink, f);
    SSL *relaying = client(f, &f->client, NULL, &fd2, &ok);
    assert_true(ok);
    assert_true(wait_sunk(f, 2));
    time_t t0 = time(NULL);
    host_listener_free(f->l);
    f->l = NULL;
    assert_true(time(NULL) - t0 < 3);
    char buf[8];
    assert_true(SSL_read(relaying, buf, sizeof buf) <= 0);
    client_free(waiting, fd1);
    client_free(relaying, fd2);
    close(silent);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the provider does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_before_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_clients, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handshake_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plaintext, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_socket_and_bad_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_clients, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
