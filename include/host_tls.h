/* host_tls.h - AutoMTLS material: the fresh per-process server certificate and checks of the
 * client certificate Terraform passes in PLUGIN_CLIENT_CERT.
 *
 * The certificate follows go-plugin's profile (O=HashiCorp, CN=localhost, SAN DNS:localhost,
 * CA:TRUE, keyCertSign, EKU serverAuth+clientAuth, notBefore now-30s, 30 years) with an ECDSA
 * P-256 key, which Terraform accepts and which is cheaper than P-521. OpenSSL only; no gRPC here.
 */
#ifndef HOST_TLS_H
#define HOST_TLS_H

#include <stddef.h>

#include "uc_status.h"

/* Caller-owned; host_cert_init before use, host_cert_release after (frees and wipes the key). */
struct host_cert {
    char *cert_pem;     /* NUL-terminated PEM certificate */
    char *key_pem;      /* NUL-terminated PKCS#8 PEM private key: never log it */
    unsigned char *der; /* DER certificate (for the handshake line) */
    size_t der_len;
};

void host_cert_init(struct host_cert *c);
void host_cert_release(struct host_cert *c);

/* Generates a new key pair and self-signed certificate into c (which must be initialised and
 * empty). UC_CRYPTO when OpenSSL fails (c is left empty). Thread-safe. */
uc_status host_cert_generate(struct host_cert *c);

/* Checks that pem (len bytes, need not be NUL-terminated) holds at least one parseable X.509
 * certificate and nothing that is not PEM; bounded at 64 KiB. UC_DECODE otherwise. */
uc_status host_tls_check_pem_cert(const char *pem, size_t len);

#endif
