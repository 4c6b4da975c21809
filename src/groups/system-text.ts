import type { SystemEvent } from '../contract/views.js';

/**
 * The English sentence a system message carries, for clients that show only text; `event` is what
 * clients that know it read. `name` gives a user's name as it was when it happened.
 */
export function systemText(event: SystemEvent, actorId: string, name: (userId: string) => string): string {
  const actor = name(actorId);
  switch (event.type) {
    case 'created':
      return `${actor} created the group “${event.title}”`;
    case 'updated':
      return [
        event.title !== undefined && `${actor} renamed the group to “${event.title}”`,
        event.avatar !== undefined &&
          (event.avatar ? `${actor} changed the group photo` : `${actor} removed the group photo`),
        event.historyVisibility !== undefined &&
          (event.historyVisibility === 'all'
            ? `${actor} made earlier messages visible to new members`
            : `${actor} made earlier messages hidden from new members`),
      ]
        .filter(Boolean)
        .join('. ');
    case 'member_added':
      return `${actor} added ${event.userIds.map(name).join(', ')}`;
    case 'member_removed':
      return event.reason === 'left'
        ? `${name(event.userId)} left`
        : `${actor} removed ${name(event.userId)}`;
    case 'member_role_changed': {
      const role = { owner: 'the owner', admin: 'an admin', member: 'a member' }[event.role];
      return event.userId === actorId
        ? `${actor} is now ${role}`
        : `${actor} made ${name(event.userId)} ${role}`;
    }
  }
}
