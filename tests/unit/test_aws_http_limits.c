/* test_aws_http_limits.c - answers bigger than AWS_HTTP_MAX_BODY through the real libcurl
 * transport and a whole client call: a body over the limit and a gzip bomb (small on the wire,
 * huge once decompressed) are each reported as what they are, never "value out of range".
 *
 * A tiny HTTP/1.1 server on 127.0.0.1 (one thread, one answer per connection) serves them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aws_client.h"
#include "aws_http.h"
#include "test_aws_config.h"

/* ---- a gzip bomb: zeros, deflated with fixed Huffman codes as length-258 / distance-1 matches
 * (13 bits per 258 bytes), so 24 MiB of body is about 160 KB on the wire -------------------- */

struct bits {
    unsigned char *p;
    size_t len, cap;
    unsigned acc, nacc;
};

static void put_bits(struct bits *b, unsigned v, unsigned n) /* LSB first */
{
    for (unsigned i = 0; i < n; i++) {
        b->acc |= ((v >> i) & 1u) << b->nacc++;
        if (b->nacc == 8) {
            assert_true(b->len < b->cap);
            b->p[b->len++] = (unsigned char)b->acc;
            b->acc = b->nacc = 0;
        }
    }
}

static void put_code(struct bits *b, unsigned code, unsigned n) /* Huffman codes: MSB first */
{
    for (unsigned i = n; i-- > 0;)
        put_bits(b, (code >> i) & 1u, 1);
}

static unsigned char *gzip_bomb(size_t zeros, size_t *len)
{
    struct bits b = {.cap = zeros / 258 * 2 + 64};
    b.p = calloc(1, b.cap);
    assert_non_null(b.p);
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    memcpy(b.p, head, sizeof head);
    b.len = sizeof head;
    put_bits(&b, 1, 1);              /* BFINAL */
    put_bits(&b, 1, 2);              /* BTYPE 01: fixed Huffman codes */
    put_code(&b, 0x30 + 0, 8);       /* literal 0 */
    for (size_t n = 1; n + 258 <= zeros; n += 258) {
        put_code(&b, 0xc0 + 5, 8);   /* length code 285: 258 */
        put_code(&b, 0, 5);          /* distance code 0: 1 */
    }
    put_code(&b, 0, 7);              /* end of block */
    if (b.nacc)
        put_bits(&b, 0, 8 - b.nacc);
    /* trailer: CRC-32 and size of the zeros (a bomb's is never reached: the client stops) */
    size_t out = 1 + (zeros - 1) / 258 * 258;
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < out; i++) {
        crc ^= 0; /* every byte is 0 */
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    crc ^= 0xffffffffu;
    for (int k = 0; k < 4; k++) {
        b.p[b.len + (size_t)k] = (unsigned char)(crc >> (8 * k));
        b.p[b.len + 4 + (size_t)k] = (unsigned char)((uint32_t)out >> (8 * k));
    }
    *len = b.len + 8;
    return b.p;
}

/* ---- the server --------------------------------------------------------------------------- */

struct server {
    int fd;
    int port;
    const char *headers;        /* extra response headers */
    const unsigned char *body;  /* NULL: body_len zeros */
    size_t body_len;
    int answers;                /* connections to serve */
    pthread_t th;
};

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the client hung up: it refused the body */
        c += w;
        n -= (size_t)w;
    }
}

static void *serve(void *arg)
{
    struct server *s = arg;
    static char zeros[65536];
    for (int i = 0; i < s->answers; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        char req[16384];
        size_t got = 0;
        while (got < sizeof req - 1) { /* headers, then the body the client sends */
            ssize_t r = recv(c, req + got, sizeof req - 1 - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            char *end = strstr(req, "\r\n\r\n");
            const char *cl = strstr(req, "Content-Length: ");
            if (end && (size_t)(end + 4 - req) + (cl ? strtoul(cl + 16, NULL, 10) : 0) <= got)
                break;
        }
        char head[512];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
                          "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                          s->body_len, s->headers);
        send_all(c, head, (size_t)hl);
        if (s->body) {
            send_all(c, s->body, s->body_len);
        } else {
            for (size_t left = s->body_len; left > 0;) {
                size_t n = left < sizeof zeros ? left : sizeof zeros;
                send_all(c, zeros, n);
                left -= n;
            }
        }
        close(c);
    }
    return NULL;
}

static void server_start(struct server *s)
{
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* One Organizations call against the server through a real client (libcurl); its error. */
static uc_status call(struct server *s, struct aws_error *err)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s->port);
    struct aws_config cfg;
    test_aws_config_init(&cfg, "us-east-1", "AKIDEXAMPLE", "secret");
    cfg.endpoints[AWS_SVC_ORGANIZATIONS] = url;
    cfg.max_retries = 0;
    struct aws_client *c = aws_client_new(&cfg, err);
    assert_non_null(c);
    json_t *out = NULL;
    uc_status st = aws_json_call(aws_client_session(c), AWS_SVC_ORGANIZATIONS,
                                 "DescribeOrganization", NULL, NULL, &out, err);
    assert_null(out);
    aws_client_free(c);
    return st;
}

static void test_body_over_the_limit(void **state)
{
    (void)state;
    struct server s = {.headers = "", .body_len = AWS_HTTP_MAX_BODY + 4096, .answers = 1};
    server_start(&s);
    struct aws_error err;
    assert_int_equal(call(&s, &err), UC_RANGE);
    server_stop(&s);
    assert_int_equal(err.http_status, 200);
    assert_string_equal(err.operation, "DescribeOrganization");
    assert_non_null(strstr(err.message, "response body exceeds 16 MiB"));
    assert_null(strstr(err.message, "out of range"));
    assert_int_equal(err.attempts, 1); /* the same answer again would be too big: no retry */
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *bomb = gzip_bomb(24u * 1024u * 1024u, &len);
    assert_true(len < 1024u * 1024u);
    struct server s = {.headers = "Content-Encoding: gzip\r\n", .body = bomb, .body_len = len,
                       .answers = 1};
    server_start(&s);
    struct aws_error err;
    assert_int_equal(call(&s, &err), UC_RANGE);
    server_stop(&s);
    free(bomb);
    assert_non_null(strstr(err.message, "decompressed body exceeds 16 MiB"));
    assert_non_null(strstr(err.message, "Content-Encoding: gzip"));
    assert_null(strstr(err.message, "out of range"));
}

/* A bomb that stays under the limit is an ordinary answer (the decoder itself works). */
static void test_small_gzip_body_is_fine(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *gz = gzip_bomb(1024u * 1024u, &len);
    struct server s = {.headers = "Content-Encoding: gzip\r\n", .body = gz, .body_len = len,
                       .answers = 1};
    server_start(&s);
    struct aws_error err;
    /* decompressed fine: 1 MiB of NUL bytes, which is not JSON */
    uc_status st = call(&s, &err);
    server_stop(&s);
    free(gz);
    assert_int_equal(st, UC_DECODE);
    assert_non_null(strstr(err.message, "response is not JSON"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_over_the_limit),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_small_gzip_body_is_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
