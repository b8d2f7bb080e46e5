/* test_host_tls.c - properties of the AutoMTLS server certificate that Terraform relies on:
 * ECDSA P-256 key, SAN DNS:localhost, EKU serverAuth+clientAuth, CA:TRUE with keyCertSign,
 * go-plugin's subject, a validity window around now, self-signed; the objects and the DER agree;
 * each call gives a fresh key; the server context's checks of the client PEM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "host_tls.h"
#include "test_host_pem.h"

static X509 *der_cert(const struct host_cert *c)
{
    const unsigned char *p = c->der;
    X509 *x = d2i_X509(NULL, &p, (long)c->der_len);
    assert_non_null(x);
    assert_ptr_equal(p, c->der + c->der_len); /* nothing trailing */
    return x;
}

static void test_profile(void **state)
{
    struct host_cert c;
    host_cert_init(&c);
    assert_int_equal(host_cert_generate(&c), UC_OK);
    X509 *x = der_cert(&c);

    /* key: EC P-256 */
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_EC);
    char group[64];
    size_t glen = 0;
    assert_true(EVP_PKEY_get_group_name(pk, group, sizeof group, &glen));
    assert_string_equal(group, "prime256v1");

    /* self-signed: issuer == subject and the signature verifies with its own key */
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
    assert_int_equal(X509_verify(x, pk), 1);
    assert_int_equal(X509_get_version(x), 2);
    char cn[64], o[64];
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn,
                                          sizeof cn) > 0);
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationName, o,
                                          sizeof o) > 0);
    assert_string_equal(cn, "localhost");
    assert_string_equal(o, "HashiCorp");

    /* SAN DNS:localhost, and nothing else */
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_non_null(san);
    assert_int_equal(sk_GENERAL_NAME_num(san), 1);
    GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, 0);
    assert_int_equal(gn->type, GEN_DNS);
    assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.dNSName), "localhost");
    GENERAL_NAMES_free(san);
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);

    /* EKU serverAuth + clientAuth; KU incl. digitalSignature and keyCertSign; CA:TRUE */
    uint32_t xku = X509_get_extended_key_usage(x);
    assert_true(xku & XKU_SSL_SERVER);
    assert_true(xku & XKU_SSL_CLIENT);
    uint32_t ku = X509_get_key_usage(x);
    assert_true(ku & KU_DIGITAL_SIGNATURE);
    assert_true(ku & KU_KEY_CERT_SIGN);
    assert_int_equal(X509_check_ca(x), 1);
    assert_int_equal(X509_check_purpose(x, X509_PURPOSE_SSL_SERVER, 0), 1);

    /* validity: started (now - 30 s) and runs for decades */
    time_t now = time(NULL);
    assert_true(X509_cmp_time(X509_get0_notBefore(x), &now) < 0);
    time_t in_29_years = now + (time_t)29 * 365 * 24 * 3600;
    assert_true(X509_cmp_time(X509_get0_notAfter(x), &in_29_years) > 0);
    time_t in_31_years = now + (time_t)31 * 366 * 24 * 3600;
    assert_true(X509_cmp_time(X509_get0_notAfter(x), &in_31_years) < 0);

    /* The certificate object equals the DER one; the key matches the certificate */
    assert_int_equal(X509_cmp(x, c.x509), 0);
    assert_int_equal(X509_check_private_key(x, c.key), 1);

    X509_free(x);
    host_cert_release(&c);
    assert_null(c.der);
    assert_null(c.key);
    assert_null(c.x509);
}

static void test_fresh_each_time(void **state)
{
    struct host_cert a, b;
    host_cert_init(&a);
    host_cert_init(&b);
    assert_int_equal(host_cert_generate(&a), UC_OK);
    assert_int_equal(host_cert_generate(&b), UC_OK);
    assert_int_not_equal(EVP_PKEY_eq(a.key, b.key), 1);
    assert_false(a.der_len == b.der_len && memcmp(a.der, b.der, a.der_len) == 0);
    host_cert_release(&a);
    host_cert_release(&b);
    host_cert_release(NULL);
}

static uc_status ctx_status(const char *pem, size_t len)
{
    struct ssl_ctx_st *ctx = (struct ssl_ctx_st *)1;
    uc_status st = host_tls_server_ctx_new(pem, len, &ctx);
    if (st != UC_OK)
        assert_null(ctx);
    host_tls_server_ctx_free(ctx);
    return st;
}

static void test_server_ctx(void **state)
{
    struct host_cert c;
    host_cert_init(&c);
    assert_int_equal(host_cert_generate(&c), UC_OK);
    char *cert = test_pem_cert(&c), *key = test_pem_key(&c);
    assert_non_null(cert);
    assert_non_null(key);
    assert_int_equal(ctx_status(cert, strlen(cert)), UC_OK);
    assert_int_equal(ctx_status(key, strlen(key)), UC_DECODE);
    assert_int_equal(ctx_status("", 0), UC_DECODE);
    assert_int_equal(ctx_status(NULL, 0), UC_DECODE);
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64 !!\n"
                               "-----END CERTIFICATE-----\n";
    assert_int_equal(ctx_status(junk, sizeof junk - 1), UC_DECODE);
    /* truncated certificate */
    assert_int_equal(ctx_status(cert, strlen(cert) / 2), UC_DECODE);

    /* the server certificate goes in; an empty one does not */
    struct ssl_ctx_st *ctx = NULL;
    assert_int_equal(host_tls_server_ctx_new(cert, strlen(cert), &ctx), UC_OK);
    struct host_cert empty;
    host_cert_init(&empty);
    assert_int_equal(host_tls_server_ctx_use(ctx, &empty), UC_INVALID);
    assert_int_equal(host_tls_server_ctx_use(ctx, &c), UC_OK);
    host_tls_server_ctx_free(ctx);
    host_tls_server_ctx_free(NULL);
    free(cert);
    free(key);
    host_cert_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_fresh_each_time),
        cmocka_unit_test(test_server_ctx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
