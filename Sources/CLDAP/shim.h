// OpenLDAP's client library as Debian ships it (libldap2-dev): libldap-2.5, reentrant, built
// with GnuTLS. Only the non-deprecated API is visible, so nothing here can fall back to
// ldap_simple_bind_s or ldap_search_st by accident.
#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>

/// Puts liblber's read-ahead layer under the connection's LDAP layer (below TLS, above TCP).
/// Without it liblber reads every response in two system calls (tag and length, then the
/// rest) and a search's entry and result in four; with it one read takes whatever the server
/// has sent. Done here because Swift 6 refuses to take the address of the mutable C global
/// `ber_sockbuf_io_readahead`. Returns 0 on success, -1 when the handle has no socket buffer.
static inline int authmux_ldap_add_readahead(LDAP *ld) {
    Sockbuf *sb = NULL;
    if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == NULL) return -1;
    return ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, NULL);
}
