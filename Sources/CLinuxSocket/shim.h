// Linux calls that Swift's Glibc module leaves out: accept4 (declared by glibc only under
// _GNU_SOURCE, which the module is built without) and epoll (<sys/epoll.h> is not part of the
// module at all).
//
// accept4 gives a lane-accepted connection FD_CLOEXEC in the same call, so a process that a PAM
// module forks (unix_chkpwd, pam_exec) can never inherit a client socket. It is declared here
// without <sys/socket.h>: including that would give Swift a second copy of the socket constants
// beside the Glibc module's, and every use of them would become ambiguous. authmux passes null
// for the address and its length.
#include <sys/epoll.h>

extern int accept4(int fd, void *address, void *length, int flags);
