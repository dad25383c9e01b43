/* A PAM module for authmux's tests: it asks, with echo on, for the user name (as modules that
 * want a login do) and succeeds only when the conversation answers with PAM_USER. authmux must
 * answer such a prompt with the user, as saslauthd does, never with the password. */
#include <security/pam_modules.h>
#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    const char *user = NULL;
    char *answer = NULL;
    (void)flags; (void)argc; (void)argv;
    if (pam_get_item(pamh, PAM_USER, (const void **)&user) != PAM_SUCCESS || user == NULL) return PAM_AUTH_ERR;
    if (pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &answer, "login: ") != PAM_SUCCESS || answer == NULL) return PAM_CONV_ERR;
    int same = strcmp(answer, user) == 0;
    memset(answer, 0, strlen(answer));
    free(answer);
    return same ? PAM_SUCCESS : PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv) {
    (void)pamh; (void)flags; (void)argc; (void)argv;
    return PAM_SUCCESS;
}
