/* main.c - the provider process: go-plugin launch contract (cookie, protocol negotiation,
 * AutoMTLS, unix socket, the one handshake line on stdout), then serving until Shutdown, a
 * termination signal or the death of Terraform. It must never write anything else to stdout
 * and must remove its socket on every exit path. See docs/internals/plugin-host.md.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "host_core.h"
#include "host_handshake.h"
#include "host_listener.h"
#include "host_proto.h"
#include "host_server.h"
#include "host_startup.h"
#include "host_tls.h"
#include "uc_cancel.h"
#include "uc_fd.h"
#include "uc_log.h"

#define NMETHODS (HOST_PROTO6_METHODS + HOST_PROTO5_METHODS + HOST_INFRA_METHODS)

/* The socket to remove on exit; written once before any thread can read it. */
static char socket_path[128];

static void remove_socket(void)
{
    if (socket_path[0])
        unlink(socket_path);
}

/* Every exit after the socket exists goes through here: no atexit handlers, no stdio flush
 * (stdout is never written after the handshake; logs are single write(2) calls). */
static _Noreturn void leave(int code)
{
    remove_socket();
    _exit(code);
}

/* Set once, before the server exists (on_shutdown_rpc runs on the server's thread). */
static struct host_listener *listener;

static void on_shutdown_rpc(void *ud)
{
    uc_log(UC_LOG_DEBUG, "host", "exiting after Shutdown", NULL);
    /* The reply is in the TLS relay's socket pair: let it reach Terraform first. */
    host_listener_flush(listener, 100);
    leave(0);
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

/* The server's key and certificate are made on a thread of its own while main builds the core
 * and the TLS context (which checks Terraform's certificate): OpenSSL's first-use set-up and the
 * key generation then overlap the C++ static constructors of gRPC and absl. gRPC itself starts
 * only after the handshake line, while Terraform dials and makes its TLS handshake with the
 * listener (docs/internals/plugin-host.md, "The TLS front"). The thread starts in a
 * constructor that runs before every other one of the executable (priority 101), before main. */
struct cert_job {
    const char *client_pem; /* PLUGIN_CLIENT_CERT; NULL = no mTLS, no job */
    struct host_cert cert;  /* out */
    uc_status st;           /* out */
    pthread_t thread;
    bool threaded;
    cpu_set_t cpus; /* all of main's CPUs, when the thread was started on another one */
    bool elsewhere;
};

static void cert_job_run(struct cert_job *j)
{
    j->st = host_cert_generate(&j->cert);
}

static void *cert_main(void *arg)
{
    struct cert_job *j = arg;
    if (j->elsewhere) /* started away from main's CPU: from now on any CPU will do */
        host_thread_allow_cpus(&j->cpus);
    cert_job_run(j);
    return NULL;
}

static void cert_job_start(struct cert_job *j)
{
    /* The thread takes no signal: main blocks the termination signals for itself later, and
     * every thread must have them blocked (they are taken with sigtimedwait). */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    bool have_attr = pthread_attr_init(&attr) == 0;
    /* main goes on to run the C++ static constructors: the thread is not to wait for its CPU
     * (host_startup.h). */
    j->elsewhere = have_attr && host_thread_attr_elsewhere(&attr, &j->cpus);
    j->threaded = pthread_create(&j->thread, have_attr ? &attr : NULL, cert_main, j) == 0;
    if (have_attr)
        pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!j->threaded)
        cert_job_run(j); /* no thread to be had: do it here */
}

/* The job's result; j->cert is complete (or empty) afterwards. Safe to call more than once and
 * on a job never started. */
static uc_status cert_job_wait(struct cert_job *j)
{
    if (j->threaded) {
        pthread_join(j->thread, NULL);
        j->threaded = false;
    }
    return j->st;
}

/* The process's one job; started by start_early, waited for by main. Only the constructor
 * and main touch it, each from the main thread. */
static struct cert_job job = {.st = UC_OK};

/* Terraform's launch has the cookie and, with AutoMTLS, PLUGIN_CLIENT_CERT: start the job and
 * map the executable as early as the process allows. Anything else (no cookie, --version)
 * does neither. */
__attribute__((constructor(101))) static void start_early(void)
{
    host_cert_init(&job.cert);
    if (!host_cookie_ok(getenv(HOST_COOKIE_KEY)))
        return;
    const char *client_pem = env("PLUGIN_CLIENT_CERT");
    if (client_pem && !env("TF_DISABLE_PLUGIN_TLS")) {
        job.client_pem = client_pem;
        cert_job_start(&job);
    }
    /* Main's and the key thread's next milliseconds run all over the executable: map it in one
     * go rather than by page faults, each a costly trap on a virtual machine (host_startup.h). */
    host_premap_image();
}

#ifndef UNICRON_VERSION
#define UNICRON_VERSION "0.0.0-dev" /* CMake passes the VERSION file's number */
#endif

int main(int argc, char **argv)
{
    static struct host_method methods[NMETHODS];
    struct uc_cancel *cancel = NULL;
    struct host_core *core = NULL;
    struct host_server *srv = NULL;
    struct uc_buf line;
    int version = 0;
    const char *err = NULL;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        static const char ver[] = "terraform-provider-unicron " UNICRON_VERSION "\n";
        cert_job_wait(&job); /* exit() must not run OpenSSL's clean-up under the thread */
        return uc_write_all(1, ver, sizeof ver - 1) ? 0 : 1;
    }
    signal(SIGINT, SIG_IGN); /* Terraform sends StopProvider instead */
    signal(SIGPIPE, SIG_IGN);
#ifdef M_ARENA_MAX
    /* Before the server's threads (only the key thread runs yet): a wide refresh reads on
     * dozens of threads at once, and glibc would give them up to 8 malloc arenas per core, each
     * keeping its own freed memory; two keep the peak RSS about 0.5 MB lower at the same CPU
     * (docs/internals/resources.md). */
    mallopt(M_ARENA_MAX, 2);
#endif
    uc_log_init_from_env();
    host_server_route_grpc_log();

    if (!host_cookie_ok(getenv(HOST_COOKIE_KEY))) {
        static const char msg[] =
            "This binary is a plugin for Terraform (terraform-provider-unicron). It is not meant\n"
            "to be executed directly: Terraform starts it when a configuration uses the\n"
            "unicron provider.\n";
        uc_write_all(2, msg, sizeof msg - 1);
        return 1;
    }
    if (host_negotiate(getenv("PLUGIN_PROTOCOL_VERSIONS"), getenv("UNICRON_PLUGIN_PROTOCOL"),
                       &version, &err) != UC_OK) {
        uc_log(UC_LOG_ERROR, "host", "cannot negotiate the plugin protocol", "error", err, NULL);
        fprintf(stderr, "terraform-provider-unicron: %s\n", err);
        cert_job_wait(&job);
        return 1;
    }

    /* Termination signals and the parent-death signal are taken synchronously below; block
     * them before any thread starts so that every thread inherits the mask. */
    sigset_t waitset;
    sigemptyset(&waitset);
    sigaddset(&waitset, SIGTERM);
    sigaddset(&waitset, SIGHUP);
    sigaddset(&waitset, SIGQUIT);
    sigaddset(&waitset, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &waitset, NULL);
    pid_t parent = getppid();
    /* SIGUSR1 when the parent *thread* dies; confirmed with getppid() below, because a Go
     * parent may end the OS thread that started us while Terraform itself lives on. */
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    if (getppid() != parent) {
        cert_job_wait(&job);
        return 1;
    }

    uc_buf_init(&line);
    const char *client_pem = job.client_pem; /* set by start_early */
    bool tls = client_pem != NULL;

    cancel = uc_cancel_new();
    core = cancel ? host_core_new(cancel) : NULL;
    if (!core) {
        uc_log(UC_LOG_ERROR, "host", "cannot initialise the provider core", NULL);
        cert_job_wait(&job); /* exit() must not run OpenSSL's clean-up under the thread */
        return 1;
    }

    uint32_t tag = 0;
    if (getrandom(&tag, sizeof tag, GRND_NONBLOCK) != (ssize_t)sizeof tag)
        tag = (uint32_t)uc_clock_monotonic_ms();
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    if (host_socket_path(socket_path, sizeof socket_path, getenv("PLUGIN_UNIX_SOCKET_DIR"),
                         getenv("TMPDIR"), cwd, (long)getpid(), tag) != UC_OK) {
        socket_path[0] = '\0';
        uc_log(UC_LOG_ERROR, "host", "socket directory path is too long", NULL);
        cert_job_wait(&job);
        return 1;
    }

    size_t n = 0;
    n += host_proto6_methods(methods + n, NMETHODS - n, core);
    n += host_proto5_methods(methods + n, NMETHODS - n, core);
    n += host_infra_methods(methods + n, NMETHODS - n);
    const char *block = env("UNICRON_DEBUG_BLOCK_RPC");
    if (block)
        uc_log(UC_LOG_WARN, "host", "debug: UNICRON_DEBUG_BLOCK_RPC holds calls until Stop",
               "method", block, NULL);
    struct host_server_config cfg = {
        .methods = methods,
        .nmethods = n,
        .on_exit = on_shutdown_rpc,
        .debug_block_method = block,
        .cancel = cancel,
    };
    uc_status st = UC_OK;
    struct ssl_ctx_st *ctx = NULL;
    if (tls) {
        st = host_tls_server_ctx_new(client_pem, strlen(client_pem), &ctx);
        if (st == UC_OK)
            st = cert_job_wait(&job);
        if (st == UC_OK)
            st = host_tls_server_ctx_use(ctx, &job.cert);
        if (st != UC_OK) {
            if (st == UC_DECODE)
                uc_log(UC_LOG_ERROR, "host", "PLUGIN_CLIENT_CERT is not a PEM certificate", NULL);
            else
                uc_log(UC_LOG_ERROR, "host", "cannot set up TLS", "error", uc_status_text(st),
                       NULL);
            cert_job_wait(&job); /* exit() must not run OpenSSL's clean-up under the thread */
            return 1;
        }
    }
    /* From here on the socket file exists: every exit goes through leave(). */
    listener = host_listener_new(socket_path, ctx, HOST_LISTENER_HANDSHAKE_TIMEOUT_MS, &st);
    host_tls_server_ctx_free(ctx); /* the listener holds its own reference */
    if (!listener) {
        uc_log(UC_LOG_ERROR, "host", "cannot listen", "socket", socket_path, "error",
               uc_status_text(st), NULL);
        leave(1);
    }
    if (host_handshake_line(&line, version, socket_path, tls ? job.cert.der : NULL,
                            tls ? job.cert.der_len : 0) != UC_OK ||
        !uc_write_all(1, line.data, line.len)) {
        uc_log(UC_LOG_ERROR, "host", "cannot write the handshake line", NULL);
        leave(1);
    }
    /* The key now lives in the TLS context only. */
    host_cert_release(&job.cert);
    uc_buf_release(&line);

    /* gRPC starts while Terraform reads the line, dials and makes its TLS handshake with the
     * listener: connections wait for the server, not the other way round. */
    srv = host_server_new(&cfg, &st);
    if (srv)
        st = host_server_start(srv);
    if (!srv || st != UC_OK) {
        uc_log(UC_LOG_ERROR, "host", "cannot start the gRPC server", "error",
               uc_status_text(st), NULL);
        leave(1);
    }
    host_listener_set_sink(listener, host_server_adopt, srv);
    uc_log(UC_LOG_DEBUG, "host", "plugin serving", "socket", socket_path, "protocol",
           version == 5 ? "5" : "6", "tls", tls ? "true" : "false", NULL);

    for (;;) {
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 250 * 1000 * 1000};
        int sig = sigtimedwait(&waitset, NULL, &ts);
        if (sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT) {
            uc_log(UC_LOG_DEBUG, "host", "exiting on signal", "signal", strsignal(sig), NULL);
            leave(128 + sig);
        }
        if (getppid() != parent) {
            uc_log(UC_LOG_DEBUG, "host", "exiting: Terraform went away", NULL);
            leave(0);
        }
    }
}
