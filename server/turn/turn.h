/* turn: time-limited TURN credentials for coturn's REST API scheme (use-auth-secret).
 *
 * username   = "<unix expiry seconds>:<participant id>"
 * credential = base64(HMAC-SHA1(static-auth-secret, username))
 * coturn recomputes the HMAC with its static-auth-secret and rejects expired usernames. */
#ifndef BZ_TURN_H
#define BZ_TURN_H

#include <stddef.h>
#include <stdint.h>

enum { BZ_TURN_OK = 0, BZ_TURN_EINVAL = -1, BZ_TURN_ESPACE = -2, BZ_TURN_ECRYPTO = -3 };

/* Room for any username we produce (20-digit expiry, ':', a bounded id) and for the
 * credential (base64 of a 20-byte digest is 28 chars + NUL). */
#define BZ_TURN_USER_MAX 96
#define BZ_TURN_CRED_MAX 32

/* Writes NUL-terminated username and credential. `who` must be under 64 bytes. */
int bz_turn_credential(const char *secret, const char *who, uint64_t now_s, int ttl_s,
                       char user[BZ_TURN_USER_MAX], char cred[BZ_TURN_CRED_MAX]);

#endif
