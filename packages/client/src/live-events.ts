import type { ServerToClientEvents } from './contract.js';
import type { ChatSocket } from './socket-ack.js';
import type { LogEntry } from './sync.js';

/** What the client does with each kind of server event: log entries go through one ordered queue. */
export interface LiveHandlers {
  entry(entry: LogEntry, chatPatch?: { memberCount?: number }): void;
  read: ServerToClientEvents['chat:message_read'];
  delivered: ServerToClientEvents['chat:message_delivered'];
}

/** Routes the socket's log events (messages, changes, group changes) and receipts to the handlers. */
export function bindLiveEvents(socket: ChatSocket, handlers: LiveHandlers): void {
  socket.on('chat:message_receive', (message) => handlers.entry({ kind: 'message', message }));
  // Sync names each change by `type`; live, the event name says it.
  socket.on('chat:message_edited', (e) =>
    handlers.entry({ kind: 'change', change: { type: 'message_edited', ...e } }),
  );
  socket.on('chat:message_deleted', (e) =>
    handlers.entry({ kind: 'change', change: { type: 'message_deleted', ...e } }),
  );
  socket.on('chat:reaction_updated', (e) =>
    handlers.entry({ kind: 'change', change: { type: 'reaction_updated', ...e } }),
  );
  // A group change is its system message, plus the member count the message does not carry.
  socket.on('chat:updated', (e) =>
    handlers.entry({ kind: 'message', message: e.message }, { memberCount: e.memberCount }),
  );
  socket.on('chat:member_added', (e) =>
    handlers.entry({ kind: 'message', message: e.message }, { memberCount: e.memberCount }),
  );
  socket.on('chat:member_removed', (e) =>
    handlers.entry({ kind: 'message', message: e.message }, { memberCount: e.memberCount }),
  );
  socket.on('chat:member_role_changed', (e) => handlers.entry({ kind: 'message', message: e.message }));
  socket.on('chat:message_read', handlers.read);
  socket.on('chat:message_delivered', handlers.delivered);
}
