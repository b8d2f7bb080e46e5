/* host_tls.h - AutoMTLS material: the fresh per-process server certificate, and the server's TLS
 * context built from it and from the client certificate Terraform passes in PLUGIN_CLIENT_CERT.
 *
 * The certificate follows go-plugin's profile (O=HashiCorp, CN=localhost, SAN DNS:localhost,
 * CA:TRUE, keyCertSign, EKU serverAuth+clientAuth, notBefore now-30s, 30 years) with an ECDSA
 * P-256 key, which Terraform accepts and which is cheaper than P-521. OpenSSL only; no gRPC here.
 * OpenSSL's types appear by their struct tags so that users of this header need not include
 * OpenSSL.
 */
#ifndef HOST_TLS_H
#define HOST_TLS_H

#include <stddef.h>

#include "uc_status.h"

struct x509_st;
struct evp_pkey_st;
struct ssl_ctx_st;

/* Caller-owned; host_cert_init before use, host_cert_release after (frees the key, which
 * OpenSSL clears). Objects, not PEM: nothing here is ever parsed again. */
struct host_cert {
    struct x509_st *x509;    /* the certificate (X509) */
    struct evp_pkey_st *key; /* its private key (EVP_PKEY): never log it */
    unsigned char *der;      /* DER certificate (for the handshake line) */
    size_t der_len;
};

void host_cert_init(struct host_cert *c);
void host_cert_release(struct host_cert *c);

/* Generates a new key pair and self-signed certificate into c (which must be initialised and
 * empty). UC_CRYPTO when OpenSSL fails (c is left empty). Thread-safe. */
uc_status host_cert_generate(struct host_cert *c);

/* The server's TLS context (SSL_CTX), in two steps so that the first can run while the key is
 * still being made: host_tls_server_ctx_new trusts exactly the certificates of client_pem (len
 * bytes, need not be NUL-terminated: PLUGIN_CLIENT_CERT), requires every client to present one
 * that verifies against them, allows TLS 1.2 and 1.3, selects ALPN "h2" and issues no session
 * tickets. UC_DECODE unless client_pem holds at least one PEM certificate and every
 * certificate block in it parses (other text and blocks are skipped, as PEM readers do; 64 KiB
 * at most); UC_CRYPTO when OpenSSL fails. *out is the caller's (host_tls_server_ctx_free).
 * host_tls_server_ctx_use then installs the server certificate and key (c stays the
 * caller's; the context takes references). */
uc_status host_tls_server_ctx_new(const char *client_pem, size_t len, struct ssl_ctx_st **out);
uc_status host_tls_server_ctx_use(struct ssl_ctx_st *ctx, const struct host_cert *c);
void host_tls_server_ctx_free(struct ssl_ctx_st *ctx); /* accepts NULL */

#endif
