// Linux-PAM as Debian ships it (libpam0g-dev): the application side only. authmux never
// implements a module; it drives the host's stacks the way saslauthd -a pam does.
#include <security/pam_appl.h>
