/* test_localaws.h - a tools/localaws process for the unit tests that run a resource against the
 * emulator (test_res_tenant, test_res_cluster, test_res_addon): started on a free port, its URL
 * read from the ready line, stopped at the end of the group.
 *
 * Header-only and test-only. One emulator per test executable (the pid is file-static). The
 * emulator dies with the test: stopped at exit, and sent SIGTERM by the kernel when the test
 * process dies any other way (a failed assertion that skips test_localaws_stop, a sanitizer
 * abort). Left running, it would hold ctest's output pipe open until ctest's timeout.
 */
#ifndef TEST_LOCALAWS_H
#define TEST_LOCALAWS_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t test_localaws_pid = -1;

static inline void test_localaws_stop(void);

/* Starts localaws with --port 0 --async-delay-ms 50 and the NULL-terminated extra arguments
 * (may be NULL); writes its base URL ("http://127.0.0.1:PORT") into url. false when python3 or
 * the script is missing, or it did not print its ready line within 10 s (the caller skips). */
static inline bool test_localaws_start(char *url, size_t n, const char *const *extra)
{
    char script[1024];
    const char *argv[32] = {"python3", script, "--port", "0", "--async-delay-ms", "50"};
    size_t argc = 6;
    int fds[2];
    snprintf(script, sizeof script, "%s/tools/localaws/localaws.py", UNICRON_SOURCE_DIR);
    for (size_t i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    if (access(script, R_OK) != 0 || pipe(fds) != 0)
        return false;
    pid_t parent = getpid();
    test_localaws_pid = fork();
    if (test_localaws_pid == 0) {
        /* the child: dies with the test process, whichever way that ends */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    if (test_localaws_pid < 0) {
        test_localaws_pid = -1;
        close(fds[0]);
        return false;
    }
    static bool registered;
    if (!registered)
        registered = atexit(test_localaws_stop) == 0;
    char line[256];
    size_t len = 0;
    for (int waited = 0; waited < 100 && len < sizeof line - 1;) {
        struct pollfd p = {fds[0], POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) {
            waited++;
            continue;
        }
        if (read(fds[0], line + len, 1) <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(fds[0]);
    const char *pfx = "localaws ready on ";
    if (strncmp(line, pfx, strlen(pfx)) != 0)
        return false;
    snprintf(url, n, "%s", line + strlen(pfx));
    return true;
}

static inline void test_localaws_stop(void)
{
    if (test_localaws_pid > 0) {
        kill(test_localaws_pid, SIGTERM);
        waitpid(test_localaws_pid, NULL, 0);
        test_localaws_pid = -1;
    }
}

#endif
