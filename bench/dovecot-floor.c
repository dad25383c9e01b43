/*
 * dovecot-floor: the floor of Dovecot's auth protocol on this machine.
 *
 * THREADS threads block in accept on the socket; each serves one connection at a time to its
 * end: the server's handshake, then for every AUTH line an OK naming a fixed user, without
 * decoding or checking anything. No server that checks a password can answer faster, so
 * bench/dovecot.sh measures it beside Dovecot's auth service and authmux to show what the
 * protocol itself costs (connect, the handshake, a read and a write per request, close). With
 * at least as many threads as clients no connection ever waits for one. Not a server to deploy.
 *
 * Usage: dovecot-floor SOCKET_PATH [THREADS]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "floor-listen.h"

static int listener;

static const char handshake[] = "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t1\nCUID\t1\n"
                                "COOKIE\t00000000000000000000000000000000\nDONE\n";

/* Answers every complete AUTH line in buffer[0..*used) and keeps the unfinished rest. */
static int answer_lines(int fd, char *buffer, size_t *used) {
    char out[8192];
    size_t written = 0, start = 0;
    for (size_t i = 0; i < *used; i++) {
        if (buffer[i] != '\n') continue;
        if (i - start > 5 && memcmp(buffer + start, "AUTH\t", 5) == 0) {
            size_t id_end = start + 5;
            while (id_end < i && buffer[id_end] != '\t') id_end++;
            size_t id_length = id_end - (start + 5);
            if (written + id_length + 32 > sizeof out) {
                if (write(fd, out, written) != (ssize_t)written) return -1;
                written = 0;
            }
            memcpy(out + written, "OK\t", 3);
            memcpy(out + written + 3, buffer + start + 5, id_length);
            memcpy(out + written + 3 + id_length, "\tuser=floor\n", 12);
            written += 15 + id_length;
        }
        start = i + 1;
    }
    memmove(buffer, buffer + start, *used - start);
    *used -= start;
    if (written > 0 && write(fd, out, written) != (ssize_t)written) return -1;
    return 0;
}

static void *serve(void *unused) {
    (void)unused;
    char buffer[16384];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        size_t used = 0;
        if (write(fd, handshake, sizeof handshake - 1) == (ssize_t)(sizeof handshake - 1)) {
            for (;;) {
                ssize_t count = read(fd, buffer + used, sizeof buffer - used);
                if (count <= 0) break;
                used += (size_t)count;
                if (answer_lines(fd, buffer, &used) != 0 || used == sizeof buffer) break;
            }
        }
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: dovecot-floor SOCKET_PATH [THREADS]\n");
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 64;
    if (threads < 1) threads = 1;
    listener = floor_listen("dovecot-floor", argv[1]);
    if (listener < 0) return 1;
    for (int i = 1; i < threads; i++) {
        pthread_t thread;
        pthread_create(&thread, NULL, serve, NULL);
    }
    serve(NULL);
    return 1;
}
