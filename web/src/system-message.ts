// A group's system message ("Ann added Bob"): a centered notice with its sentence as plain text, no
// sender, no menu, no reactions (nobody can edit, delete or react to one).

import { h } from './dom';
import type { Message } from './sdk';

export function isSystem(message: Message): boolean {
  return message.kind === 'system';
}

export function renderSystemMessage(message: Message): HTMLLIElement {
  const time = new Date(message.createdAt);
  return h(
    'li',
    {
      class: 'message system',
      'data-seq': message.seq,
      'data-id': message.id,
      'data-event': message.event?.type ?? null,
    },
    h('p', { class: 'content' }, message.content),
    h(
      'time',
      { datetime: message.createdAt, title: time.toLocaleString() },
      time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
    ),
  );
}
