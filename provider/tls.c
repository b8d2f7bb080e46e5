/* tls.c - the AutoMTLS server certificate (fresh ECDSA P-256 key per process, go-plugin's
 * profile) and the server's TLS context: the one client certificate Terraform hands over as the
 * only trust anchor, client certificates required. OpenSSL only; it must not log key material.
 */
#include "host_tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
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
    X509_free(c->x509);
    EVP_PKEY_free(c->key); /* OpenSSL clears private key material when freeing it */
    OPENSSL_free(c->der);
    memset(c, 0, sizeof *c);
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

    der_len = i2d_X509(x, &der);
    if (der_len <= 0)
        goto out;
    c->x509 = x;
    c->key = key;
    c->der = der;
    c->der_len = (size_t)der_len;
    x = NULL;
    key = NULL;
    der = NULL;
    st = UC_OK;
out:
    if (st != UC_OK) {
        host_cert_release(c);
        ERR_clear_error();
    }
    OPENSSL_free(der);
    BN_free(bn);
    X509_free(x);
    EVP_PKEY_free(key);
    return st;
}

/* Adds every certificate of pem to store. UC_DECODE unless pem holds at least one certificate
 * and every certificate block parses (other text and blocks are skipped, as PEM readers do). */
static uc_status add_pem_certs(X509_STORE *store, const char *pem, size_t len)
{
    if (!pem || len == 0 || len > 64 * 1024)
        return UC_DECODE;
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b)
        return UC_NOMEM;
    uc_status st = UC_DECODE;
    int count = 0;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (!x)
            break;
        int added = X509_STORE_add_cert(store, x);
        X509_free(x);
        if (!added) {
            count = 0;
            break;
        }
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

/* ALPN: gRPC clients offer "h2" (grpc-go refuses a server that does not select it). */
static int select_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                     const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char h2[] = {2, 'h', '2'};
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, h2, sizeof h2, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

uc_status host_tls_server_ctx_new(const char *client_pem, size_t len, struct ssl_ctx_st **out)
{
    *out = NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        ERR_clear_error();
        return UC_CRYPTO;
    }
    uc_status st = add_pem_certs(SSL_CTX_get_cert_store(ctx), client_pem, len);
    if (st != UC_OK) {
        SSL_CTX_free(ctx);
        return st;
    }
    /* TLS 1.2 or later, as go-plugin's client requires; client certificate required and
     * verified against PLUGIN_CLIENT_CERT alone (the store holds nothing else). */
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* TLS 1.2: forward-secret AEAD suites for our ECDSA key only (TLS 1.3's are all AEAD);
     * no renegotiation. */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                                     "ECDHE-ECDSA-CHACHA20-POLY1305") != 1) {
        SSL_CTX_free(ctx);
        ERR_clear_error();
        return UC_CRYPTO;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, select_h2, NULL);
    /* One connection per process: no session to resume, so no tickets to make and send. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* SSL_read returns after a non-application record (alert, key update) instead of
     * blocking for the next one, so the relay goes back to waiting on both directions. */
    SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    *out = ctx;
    return UC_OK;
}

uc_status host_tls_server_ctx_use(struct ssl_ctx_st *ctx, const struct host_cert *c)
{
    if (!ctx || !c || !c->x509 || !c->key)
        return UC_INVALID;
    if (SSL_CTX_use_certificate(ctx, c->x509) != 1 || SSL_CTX_use_PrivateKey(ctx, c->key) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_clear_error();
        return UC_CRYPTO;
    }
    return UC_OK;
}

void host_tls_server_ctx_free(struct ssl_ctx_st *ctx)
{
    SSL_CTX_free(ctx);
}
