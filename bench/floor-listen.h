/*
 * floor-listen.h: the listening socket of bench's floor servers (floor-server.c, ldap-floor.c, dovecot-floor.c).
 */
#ifndef FLOOR_LISTEN_H
#define FLOOR_LISTEN_H

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A Unix stream socket listening at PATH (replacing whatever is there), with a backlog as
 * long as authmuxd's; -1 after printing why under NAME when that fails. */
static int floor_listen(const char *name, const char *path) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address.sun_path) {
        fprintf(stderr, "%s: socket path too long\n", name);
        return -1;
    }
    strcpy(address.sun_path, path);
    unlink(path);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0) {
        perror(name);
        return -1;
    }
    return listener;
}

#endif
