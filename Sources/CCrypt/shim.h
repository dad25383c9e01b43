// libxcrypt as Debian ships it (libcrypt-dev): crypt_rn and crypt_gensalt_rn keep all state in
// caller-owned buffers, so they are safe on several pool threads at once (crypt(3) is not).
#include <crypt.h>
