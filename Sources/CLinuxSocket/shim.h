// Linux calls that Swift's Glibc module leaves out: accept4 (declared by glibc only under
// _GNU_SOURCE, which the module is built without), prctl and malloc_usable_size (<sys/prctl.h>
// and <malloc.h> are not part of the module at all).
//
// accept4 gives an accepted connection FD_CLOEXEC in the same call, so a process that a PAM
// module forks (unix_chkpwd, pam_exec) can never inherit a client socket. It is declared here
// without <sys/socket.h>: including that would give Swift a second copy of the socket constants
// beside the Glibc module's, and every use of them would become ambiguous. authmux passes null
// for the address and its length.
//
// prctl is variadic, which Swift cannot call; the wrapper passes its arguments in full. It is
// here, with the other calls the Glibc module lacks, because <sys/prctl.h> is not in it either.
//
// malloc_usable_size (from <malloc.h>, also absent) tells the wiping allocator how much of a heap
// block to overwrite before freeing it.
#include <stddef.h>
#include <sys/prctl.h>

extern int accept4(int fd, void *address, void *length, int flags);
extern size_t malloc_usable_size(void *block);

static inline int authmux_set_dumpable(int dumpable) {
    return prctl(PR_SET_DUMPABLE, (unsigned long)dumpable, 0UL, 0UL, 0UL);
}
