#include "turn/turn.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

int bz_turn_credential(const char *secret, const char *who, uint64_t now_s, int ttl_s,
                       char user[BZ_TURN_USER_MAX], char cred[BZ_TURN_CRED_MAX]) {
  if (!secret || !who || !user || !cred || ttl_s <= 0 || strlen(who) >= 64) return BZ_TURN_EINVAL;
  int n = snprintf(user, BZ_TURN_USER_MAX, "%" PRIu64 ":%s", now_s + (uint64_t)ttl_s, who);
  if (n < 0 || n >= BZ_TURN_USER_MAX) return BZ_TURN_ESPACE;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)user, (size_t)n, mac,
            &mac_len) ||
      mac_len != 20)
    return BZ_TURN_ECRYPTO;
  /* EVP_EncodeBlock writes 4*ceil(20/3) = 28 chars and a NUL. */
  EVP_EncodeBlock((unsigned char *)cred, mac, (int)mac_len);
  return BZ_TURN_OK;
}
