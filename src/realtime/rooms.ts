/** Every socket of a user joins this room, so one emit reaches all their devices. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/** Every socket opened with a session's token joins this room, so ending the session can cut them. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}
