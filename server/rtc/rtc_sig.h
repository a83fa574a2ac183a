/* rtc_sig: the media workers as signaling drives them (sig_media of sig/sig.h), so that sig
 * needs no libuv and its tests can use a fake. */
#ifndef BZ_RTC_SIG_H
#define BZ_RTC_SIG_H

#include "rtc/rtc.h"
#include "sig/sig.h"

/* Fills *out with calls into *rp. *rp may become NULL later (buzzd destroys the media plane
 * before signaling at shutdown): every call then fails with RTC_EARG and touches nothing. The
 * ip and fingerprint strings are *rp's and live as long as it does; sig reads them only after
 * an add succeeded. Control thread. */
void rtc_sig_media(rtc **rp, sig_media *out);

#endif
