// The Argon2 reference library as Debian ships it (libargon2-dev): verifies and writes the
// encoded strings ($argon2id$v=19$m=…,t=…,p=…$salt$hash) Dovecot stores.
#include <argon2.h>
