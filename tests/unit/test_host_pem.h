/* test_host_pem.h - PEM text of a certificate or a host_cert, for tests that act as a TLS client
 * (the provider itself never writes PEM). Each returns a malloc'd NUL-terminated string the
 * caller frees, or NULL. */
#ifndef TEST_HOST_PEM_H
#define TEST_HOST_PEM_H

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "host_tls.h"

static inline char *test_pem_of(BIO *b)
{
    char *data = NULL;
    long n = b ? BIO_get_mem_data(b, &data) : 0;
    char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        memcpy(s, data, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

static inline char *test_pem_x509(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b && !PEM_write_bio_X509(b, x)) {
        BIO_free(b);
        return NULL;
    }
    return test_pem_of(b);
}

static inline char *test_pem_cert(const struct host_cert *c)
{
    return test_pem_x509(c->x509);
}

static inline char *test_pem_key(const struct host_cert *c)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b && !PEM_write_bio_PrivateKey(b, c->key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(b);
        return NULL;
    }
    return test_pem_of(b);
}

#endif
