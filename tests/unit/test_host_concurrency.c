/* test_host_concurrency.c - starts the built provider the way Terraform does (cookie, versions,
 * PLUGIN_CLIENT_CERT), reads its handshake line, connects over mTLS with gRPC core, and checks:
 * 16 calls held in their handler (UNICRON_DEBUG_BLOCK_RPC on ReadResource, a main-pool call)
 * do not stop other calls, cheap ones (validation, schema) included; StopProvider
 * answers while they are held and releases them; all 16 then complete; Shutdown ends the process
 * (exit 0) with its socket removed. Skips when the provider binary has not been built.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "health.pb-c.h"
#include "host_handshake.h"
#include "host_tls.h"
#include "test_host_pem.h"
#include "plugin.pb-c.h"
#include "tfplugin6.pb-c.h"
#include "uc_cancel.h"

#define NHELD 16
#define BLOCKED "/tfplugin6.Provider/ReadResource"

struct provider {
    pid_t pid;
    int out_fd;
    char dir[64];
    char socket[128];
    char *server_pem;
    struct host_cert client;
    char *client_pem, *client_key_pem;
};

static char provider_bin[4096];

static bool find_provider(void)
{
    const char *env = getenv("UNICRON_PROVIDER_BIN");
    if (env && *env) {
        snprintf(provider_bin, sizeof provider_bin, "%s", env);
    } else {
        char self[4000];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return false;
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (!slash)
            return false;
        *slash = '\0';
        snprintf(provider_bin, sizeof provider_bin, "%s/terraform-provider-unicron", self);
    }
    return access(provider_bin, X_OK) == 0;
}

/* Reads one line (the handshake) from fd within timeout_ms. */
static bool read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    uint64_t end = uc_clock_monotonic_ms() + (uint64_t)timeout_ms;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (n + 1 < cap && uc_clock_monotonic_ms() < end) {
        ssize_t r = read(fd, buf + n, 1);
        if (r == 1) {
            if (buf[n] == '\n') {
                buf[n] = '\0';
                return true;
            }
            n++;
        } else if (r == 0) {
            return false;
        } else if (errno == EAGAIN) {
            usleep(1000);
        } else {
            return false;
        }
    }
    return false;
}

static char *der_b64_to_pem(const char *b64)
{
    size_t len = strlen(b64);
    char padded[4096];
    assert_true(len + 4 < sizeof padded);
    memcpy(padded, b64, len);
    while (len % 4)
        padded[len++] = '=';
    padded[len] = '\0';
    unsigned char der[3072];
    int dl = EVP_DecodeBlock(der, (const unsigned char *)padded, (int)len);
    assert_true(dl > 0);
    while (len && padded[len - 1] == '=') { /* EVP_DecodeBlock counts padding bytes */
        dl--;
        len--;
    }
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, dl);
    assert_non_null(x);
    char *pem = test_pem_x509(x);
    assert_non_null(pem);
    X509_free(x);
    return pem;
}

static void provider_start(struct provider *pv)
{
    memset(pv, 0, sizeof *pv);
    host_cert_init(&pv->client);
    assert_int_equal(host_cert_generate(&pv->client), UC_OK);
    pv->client_pem = test_pem_cert(&pv->client);
    pv->client_key_pem = test_pem_key(&pv->client);
    assert_non_null(pv->client_pem);
    assert_non_null(pv->client_key_pem);
    snprintf(pv->dir, sizeof pv->dir, "/tmp/uc-conc-XXXXXX");
    assert_non_null(mkdtemp(pv->dir));
    int out[2];
    assert_int_equal(pipe(out), 0);
    pv->pid = fork();
    assert_true(pv->pid >= 0);
    if (pv->pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        setenv(HOST_COOKIE_KEY, HOST_COOKIE_VALUE, 1);
        setenv("PLUGIN_PROTOCOL_VERSIONS", "5,6", 1);
        setenv("PLUGIN_CLIENT_CERT", pv->client_pem, 1);
        setenv("PLUGIN_UNIX_SOCKET_DIR", pv->dir, 1);
        setenv("UNICRON_DEBUG_BLOCK_RPC", BLOCKED, 1);
        unsetenv("UNICRON_PLUGIN_PROTOCOL");
        unsetenv("TF_DISABLE_PLUGIN_TLS");
        execl(provider_bin, provider_bin, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    pv->out_fd = out[0];
    char line[4096];
    assert_true(read_line(pv->out_fd, line, sizeof line, 20000));
    /* 1|6|unix|<path>|grpc|<cert> */
    char *f[7] = {0};
    int nf = 0;
    for (char *s = line, *save = NULL; nf < 7 && (f[nf] = strtok_r(nf ? NULL : s, "|", &save));
         nf++)
        (void)save;
    assert_int_equal(nf, 6);
    assert_string_equal(f[0], "1");
    assert_string_equal(f[1], "6");
    assert_string_equal(f[2], "unix");
    assert_string_equal(f[4], "grpc");
    assert_null(strchr(f[5], '='));
    snprintf(pv->socket, sizeof pv->socket, "%s", f[3]);
    assert_int_equal(strncmp(pv->socket, pv->dir, strlen(pv->dir)), 0);
    struct stat sb;
    assert_int_equal(stat(pv->socket, &sb), 0);
    assert_true(S_ISSOCK(sb.st_mode));
    pv->server_pem = der_b64_to_pem(f[5]);
}

static grpc_channel *connect_mtls(struct provider *pv)
{
    grpc_ssl_pem_key_cert_pair pair = {.private_key = pv->client_key_pem,
                                       .cert_chain = pv->client_pem};
    grpc_channel_credentials *creds = grpc_ssl_credentials_create(pv->server_pem, &pair, NULL, NULL);
    grpc_arg arg = {.type = GRPC_ARG_STRING,
                    .key = (char *)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
                    .value.string = (char *)"localhost"};
    grpc_channel_args args = {.num_args = 1, .args = &arg};
    char target[160];
    snprintf(target, sizeof target, "unix:%s", pv->socket);
    grpc_channel *ch = grpc_channel_create(target, creds, &args);
    grpc_channel_credentials_release(creds);
    return ch;
}

struct ucall {
    grpc_call *call;
    grpc_metadata_array init_md, trail_md;
    grpc_byte_buffer *send, *recv;
    grpc_status_code status;
    grpc_slice details;
    bool done;
};

static void ucall_start(struct ucall *u, grpc_channel *ch, grpc_completion_queue *cq,
                        const char *method, const ProtobufCMessage *msg, int deadline_s)
{
    memset(u, 0, sizeof *u);
    grpc_slice m = grpc_slice_from_static_string(method);
    gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
                                         gpr_time_from_seconds(deadline_s, GPR_TIMESPAN));
    u->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL, deadline,
                                       NULL);
    assert_non_null(u->call);
    uint8_t buf[4096];
    size_t n = protobuf_c_message_pack(msg, buf);
    grpc_slice s = grpc_slice_from_copied_buffer((const char *)buf, n);
    u->send = grpc_raw_byte_buffer_create(&s, 1);
    grpc_slice_unref(s);
    grpc_metadata_array_init(&u->init_md);
    grpc_metadata_array_init(&u->trail_md);
    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = u->send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &u->init_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &u->recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &u->trail_md;
    ops[5].data.recv_status_on_client.status = &u->status;
    ops[5].data.recv_status_on_client.status_details = &u->details;
    assert_int_equal(grpc_call_start_batch(u->call, ops, 6, u, NULL), GRPC_CALL_OK);
}

static void ucall_release(struct ucall *u)
{
    if (u->send)
        grpc_byte_buffer_destroy(u->send);
    if (u->recv)
        grpc_byte_buffer_destroy(u->recv);
    grpc_metadata_array_destroy(&u->init_md);
    grpc_metadata_array_destroy(&u->trail_md);
    grpc_slice_unref(u->details);
    grpc_call_unref(u->call);
}

/* Waits up to ms for one completion; returns its call or NULL on timeout. */
static struct ucall *next_done(grpc_completion_queue *cq, int ms)
{
    gpr_timespec deadline =
        gpr_time_add(gpr_now(GPR_CLOCK_REALTIME), gpr_time_from_millis(ms, GPR_TIMESPAN));
    grpc_event ev = grpc_completion_queue_next(cq, deadline, NULL);
    if (ev.type != GRPC_OP_COMPLETE)
        return NULL;
    struct ucall *u = ev.tag;
    u->done = true;
    return u;
}

static ProtobufCMessage *reply(struct ucall *u, const ProtobufCMessageDescriptor *d)
{
    assert_non_null(u->recv);
    grpc_byte_buffer_reader r;
    assert_true(grpc_byte_buffer_reader_init(&r, u->recv));
    grpc_slice s = grpc_byte_buffer_reader_readall(&r);
    grpc_byte_buffer_reader_destroy(&r);
    ProtobufCMessage *m =
        protobuf_c_message_unpack(d, NULL, GRPC_SLICE_LENGTH(s), GRPC_SLICE_START_PTR(s));
    grpc_slice_unref(s);
    assert_non_null(m);
    return m;
}

/* One blocking unary call on its own queue; the status is returned, the reply unpacked. */
static grpc_status_code unary(grpc_channel *ch, const char *method, const ProtobufCMessage *msg,
                              const ProtobufCMessageDescriptor *rd, ProtobufCMessage **out)
{
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
    struct ucall u;
    ucall_start(&u, ch, cq, method, msg, 10);
    assert_ptr_equal(next_done(cq, 15000), &u);
    grpc_status_code st = u.status;
    if (out)
        *out = st == GRPC_STATUS_OK ? reply(&u, rd) : NULL;
    ucall_release(&u);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    return st;
}

static void test_held_calls_stop_and_shutdown(void **state)
{
    if (!find_provider())
        skip();
    struct provider pv;
    provider_start(&pv);
    grpc_channel *ch = connect_mtls(&pv);
    grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);

    /* 16 calls that the provider holds until StopProvider. */
    Tfplugin6__ReadResource__Request rreq = TFPLUGIN6__READ_RESOURCE__REQUEST__INIT;
    rreq.type_name = "unicron_no_such_type";
    struct ucall held[NHELD];
    for (int i = 0; i < NHELD; i++)
        ucall_start(&held[i], ch, cq, BLOCKED, &rreq.base, 60);
    assert_null(next_done(cq, 300)); /* all still held */

    /* A validation (cheap lane) is answered while they are held. */
    Tfplugin6__ValidateResourceConfig__Request vreq =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__REQUEST__INIT;
    vreq.type_name = "unicron_no_such_type";
    ProtobufCMessage *vresp = NULL;
    assert_int_equal(unary(ch, "/tfplugin6.Provider/ValidateResourceConfig", &vreq.base,
                           &tfplugin6__validate_resource_config__response__descriptor, &vresp),
                     GRPC_STATUS_OK);
    assert_int_equal(((Tfplugin6__ValidateResourceConfig__Response *)vresp)->n_diagnostics, 1);
    protobuf_c_message_free_unpacked(vresp, NULL);

    /* Other calls run while 16 handlers are blocked. */
    for (int i = 0; i < 3; i++) {
        Grpc__Health__V1__HealthCheckRequest hreq = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
        hreq.service = "plugin";
        ProtobufCMessage *hresp = NULL;
        assert_int_equal(unary(ch, "/grpc.health.v1.Health/Check", &hreq.base,
                               &grpc__health__v1__health_check_response__descriptor, &hresp),
                         GRPC_STATUS_OK);
        assert_int_equal(((Grpc__Health__V1__HealthCheckResponse *)hresp)->status,
                         GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
        protobuf_c_message_free_unpacked(hresp, NULL);
    }
    Tfplugin6__GetProviderSchema__Request sreq = TFPLUGIN6__GET_PROVIDER_SCHEMA__REQUEST__INIT;
    ProtobufCMessage *sresp = NULL;
    assert_int_equal(unary(ch, "/tfplugin6.Provider/GetProviderSchema", &sreq.base,
                           &tfplugin6__get_provider_schema__response__descriptor, &sresp),
                     GRPC_STATUS_OK);
    Tfplugin6__GetProviderSchema__Response *schema =
        (Tfplugin6__GetProviderSchema__Response *)sresp;
    assert_non_null(schema->provider);
    assert_non_null(schema->server_capabilities);
    assert_true(schema->server_capabilities->plan_destroy);
    assert_true(schema->server_capabilities->get_provider_schema_optional);
    assert_true(schema->n_resource_schemas >= 1);
    protobuf_c_message_free_unpacked(sresp, NULL);
    /* Unknown methods and go-plugin's streams get UNIMPLEMENTED (with a status that arrives). */
    Plugin__Empty empty = PLUGIN__EMPTY__INIT;
    assert_int_equal(unary(ch, "/plugin.GRPCStdio/StreamStdio", &empty.base, NULL, NULL),
                     GRPC_STATUS_UNIMPLEMENTED);
    assert_int_equal(unary(ch, "/no.Such/Method", &empty.base, NULL, NULL),
                     GRPC_STATUS_UNIMPLEMENTED);
    assert_null(next_done(cq, 50)); /* still held */

    /* StopProvider answers at once and fires the token that releases the held calls. */
    Tfplugin6__StopProvider__Request stop = TFPLUGIN6__STOP_PROVIDER__REQUEST__INIT;
    ProtobufCMessage *stresp = NULL;
    assert_int_equal(unary(ch, "/tfplugin6.Provider/StopProvider", &stop.base,
                           &tfplugin6__stop_provider__response__descriptor, &stresp),
                     GRPC_STATUS_OK);
    assert_string_equal(((Tfplugin6__StopProvider__Response *)stresp)->error, "");
    protobuf_c_message_free_unpacked(stresp, NULL);

    for (int i = 0; i < NHELD; i++) {
        struct ucall *u = next_done(cq, 20000);
        assert_non_null(u);
    }
    for (int i = 0; i < NHELD; i++) {
        assert_true(held[i].done);
        assert_int_equal(held[i].status, GRPC_STATUS_OK);
        Tfplugin6__ReadResource__Response *r = (Tfplugin6__ReadResource__Response *)reply(
            &held[i], &tfplugin6__read_resource__response__descriptor);
        assert_int_equal(r->n_diagnostics, 1);
        assert_int_equal(r->diagnostics[0]->severity, TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR);
        assert_string_equal(r->diagnostics[0]->summary, "Unknown resource type");
        protobuf_c_message_free_unpacked(&r->base, NULL);
        ucall_release(&held[i]);
    }

    /* Shutdown: the reply arrives, then the process exits 0 and its socket is gone. */
    uint64_t t0 = uc_clock_monotonic_ms();
    assert_int_equal(unary(ch, "/plugin.GRPCController/Shutdown", &empty.base,
                           &plugin__empty__descriptor, NULL),
                     GRPC_STATUS_OK);
    int wst = 0;
    pid_t w = 0;
    while ((w = waitpid(pv.pid, &wst, WNOHANG)) == 0 && uc_clock_monotonic_ms() - t0 < 5000)
        usleep(1000);
    print_message("Shutdown -> exit: %llu ms\n", (unsigned long long)(uc_clock_monotonic_ms() - t0));
    assert_int_equal(w, pv.pid); /* generous bound: the target is 50 ms */
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 0);
    assert_int_not_equal(access(pv.socket, F_OK), 0);

    grpc_channel_destroy(ch);
    grpc_completion_queue_shutdown(cq);
    while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN)
        ;
    grpc_completion_queue_destroy(cq);
    close(pv.out_fd);
    rmdir(pv.dir);
    free(pv.server_pem);
    free(pv.client_pem);
    free(pv.client_key_pem);
    host_cert_release(&pv.client);
}

static int setup(void **state)
{
    grpc_init();
    return 0;
}

static int teardown(void **state)
{
    grpc_shutdown();
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_calls_stop_and_shutdown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
