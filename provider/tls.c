/* tls.c - the AutoMTLS server certificate (fresh ECDSA P-256 key per process, go-plugin's
 * profile) and validation of the PEM client certificate Terraform hands over. OpenSSL only; it
 * must not configure gRPC (server.c does) nor log key material.
 */
#include "host_tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

void host_cert_init(struct host_cert *c)
{
    memset(c, 0, sizeof *c);
}

void host_cert_release(struct host_cert *c)
{
    if (!c)
        return;
    free(c->cert_pem);
    if (c->key_pem) {
        OPENSSL_cleanse(c->key_pem, strlen(c->key_pem));
        free(c->key_pem);
    }
    OPENSSL_free(c->der);
    memset(c, 0, sizeof *c);
}

/* Copies a memory BIO's contents into a malloc'd NUL-terminated string. */
static char *bio_to_string(BIO *b)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    if (n <= 0 || !data)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ex)
        return 0;
    int ok = X509_add_ext(x, ex, -1);
    X509_EXTENSION_free(ex);
    return ok;
}

uc_status host_cert_generate(struct host_cert *c)
{
    uc_status st = UC_CRYPTO;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    BIGNUM *bn = NULL;
    BIO *cb = NULL, *kb = NULL;
    unsigned char *der = NULL;
    int der_len;

    key = EVP_EC_gen("P-256");
    x = X509_new();
    bn = BN_new();
    if (!key || !x || !bn)
        goto out;
    if (!X509_set_version(x, 2))
        goto out;
    /* Random serial below 2^128, as go-plugin does. */
    if (!BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        goto out;
    if (!X509_gmtime_adj(X509_getm_notBefore(x), -30) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 262980L * 3600L))
        goto out;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"HashiCorp", -1,
                                    -1, 0) ||
        !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key))
        goto out;
    if (!add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x, NID_key_usage,
                 "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") ||
        !add_ext(x, NID_ext_key_usage, "clientAuth,serverAuth") ||
        !add_ext(x, NID_subject_alt_name, "DNS:localhost"))
        goto out;
    if (!X509_sign(x, key, EVP_sha256()))
        goto out;

    cb = BIO_new(BIO_s_mem());
    kb = BIO_new(BIO_s_mem());
    if (!cb || !kb || !PEM_write_bio_X509(cb, x) ||
        !PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL))
        goto out;
    der_len = i2d_X509(x, &der);
    if (der_len <= 0)
        goto out;
    c->cert_pem = bio_to_string(cb);
    c->key_pem = bio_to_string(kb);
    if (!c->cert_pem || !c->key_pem) {
        st = UC_NOMEM;
        goto out;
    }
    c->der = der;
    c->der_len = (size_t)der_len;
    der = NULL;
    st = UC_OK;
out:
    if (st != UC_OK) {
        host_cert_release(c);
        ERR_clear_error();
    }
    OPENSSL_free(der);
    if (kb) {
        BIO_set_close(kb, BIO_CLOSE);
        BIO_free(kb); /* memory BIO frees (not wipes) its buffer; the PEM copy is wiped later */
    }
    BIO_free(cb);
    BN_free(bn);
    X509_free(x);
    EVP_PKEY_free(key);
    return st;
}

uc_status host_tls_check_pem_cert(const char *pem, size_t len)
{
    if (!pem || len == 0 || len > 64 * 1024)
        return UC_DECODE;
    uc_status st = UC_DECODE;
    int count = 0;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b)
        return UC_NOMEM;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (!x)
            break;
        X509_free(x);
        count++;
    }
    /* The loop ends on EOF (fine) or on garbage (not fine). */
    unsigned long e = ERR_peek_last_error();
    if (count > 0 && (e == 0 || ERR_GET_REASON(e) == PEM_R_NO_START_LINE))
        st = UC_OK;
    ERR_clear_error();
    BIO_free(b);
    return st;
}
