// Human messages for error codes (server codes from docs/protocol.md, local media codes),
// in the current language (the English text is the catalogue key, i18n.js).

import { MEDIA_MESSAGES } from '../media.js';
import { t, N } from '../i18n.js';

const JOIN = {
  wrong_password: N('Wrong password. Check it with the person who invited you.'),
  room_locked: N('The room is locked by its owner. Ask them to unlock it.'),
  room_full: N('The room is full.'),
  room_not_found: N('This room does not exist. Check the link.'),
  network: N('The server cannot be reached. Check your connection.'),
  disconnected: N('The connection to the server was lost.'),
  timeout: N('The server did not answer in time.'),
  rate_limited: N('Too many requests. Wait a moment and try again.'),
  bad_message: N('The server did not accept the request.'),
  field_too_long: N('That is too long.'),
  not_owner: N('Only the room owner can do that.'),
  replaced: N('You opened this room in another tab.'),
  store_unavailable: N('The server could not save that. Try again in a moment.'),
  not_joined: N('You are not in the call.'),
};

export function joinMessage(err) {
  return JOIN[err?.code] ? t(JOIN[err.code]) :
    t('Could not join: {message}', { message: err?.message || t('unknown error') });
}

/** "Camera: permission was denied. …" */
export function mediaMessage(device, code) {
  return t('{device}: {problem}', { device, problem: t(MEDIA_MESSAGES[code] ?? MEDIA_MESSAGES.media_error) });
}

export function errorMessage(e) {
  if (MEDIA_MESSAGES[e?.code]) return mediaMessage(t('Device'), e.code);
  return JOIN[e?.code] ? t(JOIN[e.code]) : e?.message ?? t('Something went wrong.');
}
