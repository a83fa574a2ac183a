// Human messages for error codes (server codes from docs/protocol.md, local media codes).

import { MEDIA_MESSAGES } from '../media.js';

const JOIN = {
  wrong_password: 'Wrong password. Check it with the person who invited you.',
  room_locked: 'The room is locked by its owner. Ask them to unlock it.',
  room_full: 'The room is full.',
  room_not_found: 'This room does not exist. Check the link.',
  network: 'The server cannot be reached. Check your connection.',
  disconnected: 'The connection to the server was lost.',
  timeout: 'The server did not answer in time.',
  rate_limited: 'Too many requests. Wait a moment and try again.',
  bad_message: 'The server did not accept the request.',
  field_too_long: 'That is too long.',
  not_owner: 'Only the room owner can do that.',
  replaced: 'You opened this room in another tab.',
};

export function joinMessage(err) {
  return JOIN[err?.code] ?? `Could not join: ${err?.message || 'unknown error'}`;
}

/** "Camera: permission was denied. …" */
export function mediaMessage(device, code) {
  return `${device}: ${MEDIA_MESSAGES[code] ?? MEDIA_MESSAGES.media_error}`;
}

export function errorMessage(e) {
  if (MEDIA_MESSAGES[e?.code]) return mediaMessage('Device', e.code);
  return JOIN[e?.code] ?? e?.message ?? 'Something went wrong.';
}
