/** Every socket of a user joins this room, so one emit reaches all their devices. */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}
