/* test_localaws.h - a tools/localaws process for the unit tests that run a resource against the
 * emulator (test_res_tenant, test_res_cluster, test_res_addon): started on a free port, its URL
 * read from the ready line, stopped at the end of the group.
 *
 * Header-only and test-only. One emulator per test executable (the pid is file-static).
 */
#ifndef TEST_LOCALAWS_H
#define TEST_LOCALAWS_H

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t test_localaws_pid = -1;

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
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    int rc = posix_spawnp(&test_localaws_pid, "python3", &fa, NULL, (char *const *)argv,
                          environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        test_localaws_pid = -1;
        close(fds[0]);
        return false;
    }
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
