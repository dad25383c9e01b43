/*
 * floor-server: the floor of the saslauthd protocol on this machine.
 *
 * It accepts a connection, reads one request, answers "OK" without looking at it, and closes,
 * in N forked processes like saslauthd -n N. No server that actually checks a password can be
 * faster, so bench/run.sh measures it beside saslauthd and authmux to show how much of each
 * server's time is the protocol's own cost (connect, wake-ups, one read, one write, close).
 *
 * Usage: floor-server SOCKET_PATH [PROCESSES]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "floor-listen.h"

static void serve(int listener) {
    static const unsigned char answer[] = {0, 2, 'O', 'K'};
    unsigned char request[2048];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        /* Clients write the whole request at once; one read takes it. */
        if (read(fd, request, sizeof request) > 0) {
            (void)!write(fd, answer, sizeof answer);
        }
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s SOCKET_PATH [PROCESSES]\n", argv[0]);
        return 2;
    }
    int processes = argc > 2 ? atoi(argv[2]) : 5;
    if (processes < 1) processes = 1;

    int listener = floor_listen("floor-server", argv[1]);
    if (listener < 0) return 1;
    for (int i = 1; i < processes; i++) {
        if (fork() == 0) serve(listener);
    }
    /* The first process serves too; SIGTERM to the process group stops them all. */
    signal(SIGCHLD, SIG_IGN);
    serve(listener);
    return 0;
}
