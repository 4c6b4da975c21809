import type {
  ChatChange,
  ChatRole,
  HistoryVisibility,
  MessageView,
  SyncPage,
} from '../../src/contract/views.js';

/** What a client knows of a group from its system messages: settings, and who is in it in which role. */
export interface GroupRoster {
  title: string | null;
  avatar?: string | null;
  historyVisibility?: HistoryVisibility;
  /** userId -> role. */
  members: Record<string, ChatRole>;
}

/**
 * What a client keeps of its chats, built the way a client builds it: from messages and from the changes
 * to them (live events or sync pages), applied in (chat, seq) order. Two devices that applied what they
 * were given must hold the same state, and that state must be the server's history.
 */
export class ChatState {
  private readonly messages = new Map<string, MessageView>();
  private readonly rosters = new Map<string, GroupRoster>();

  constructor(private readonly viewerId: string) {}

  /**
   * A message as given (new, or in its current state from history or sync). A group's system message,
   * the first time it comes, also changes what this state knows of the group's settings and members.
   */
  put(message: MessageView): void {
    const known = this.messages.has(message.id);
    this.messages.set(message.id, structuredClone(message));
    if (!known && message.kind === 'system' && message.event) this.applySystem(message);
  }

  /** The group as its system messages (applied in seq order) describe it; undefined before any. */
  roster(chatId: string): GroupRoster | undefined {
    return this.rosters.get(chatId);
  }

  private applySystem(message: MessageView): void {
    const event = message.event!;
    let roster = this.rosters.get(message.chatId);
    if (!roster) {
      roster = { title: null, members: {} };
      this.rosters.set(message.chatId, roster);
    }
    switch (event.type) {
      case 'created':
        roster.title = event.title;
        roster.members[message.sender.id] = 'owner';
        for (const id of event.userIds) roster.members[id] = 'member';
        return;
      case 'updated':
        if (event.title !== undefined) roster.title = event.title;
        if (event.avatar !== undefined) roster.avatar = event.avatar;
        if (event.historyVisibility !== undefined) roster.historyVisibility = event.historyVisibility;
        return;
      case 'member_added':
        for (const id of event.userIds) roster.members[id] = 'member';
        return;
      case 'member_removed':
        delete roster.members[event.userId];
        return;
      case 'member_role_changed':
        roster.members[event.userId] = event.role;
    }
  }

  apply(change: ChatChange): void {
    const target = this.messages.get(change.messageId);
    switch (change.type) {
      case 'message_edited':
        if (target) Object.assign(target, { content: change.content, editedAt: change.editedAt });
        this.previewOf(change.messageId, (reply) => {
          reply.preview = [...change.content].slice(0, 100).join('');
        });
        return;
      case 'message_deleted':
        if (change.scope === 'me') {
          this.messages.delete(change.messageId);
          return;
        }
        if (target) {
          Object.assign(target, {
            content: '',
            mediaUrl: null,
            mediaType: null,
            replyTo: null,
            reactions: [],
          });
          target.deletedAt = change.deletedAt;
        }
        this.previewOf(change.messageId, (reply) => {
          Object.assign(reply, { preview: '', mediaType: null, deleted: true });
        });
        return;
      case 'reaction_updated': {
        if (!target) return;
        const mine = change.userId === this.viewerId;
        const current = target.reactions.find((r) => r.emoji === change.emoji);
        if (current) {
          current.count = change.count;
          if (mine) current.me = change.op === 'add';
        } else if (change.count > 0) {
          target.reactions.push({
            emoji: change.emoji,
            count: change.count,
            me: mine && change.op === 'add',
          });
        }
        target.reactions = target.reactions.filter((r) => r.count > 0);
      }
    }
  }

  /** A sync page: messages and changes merged by (chat, seq), as the API asks. */
  applyPage(page: SyncPage): void {
    const entries = [
      ...page.messages.map((m) => ({ chatId: m.chatId, seq: m.seq, apply: () => this.put(m) })),
      ...page.events.map((e) => ({ chatId: e.chatId, seq: e.seq, apply: () => this.apply(e) })),
    ].sort((a, b) => (a.chatId < b.chatId ? -1 : a.chatId > b.chatId ? 1 : a.seq - b.seq));
    for (const entry of entries) entry.apply();
  }

  /** The chat's messages, newest first, as history lists them; reactions in a stable order. */
  chat(chatId: string): MessageView[] {
    return [...this.messages.values()]
      .filter((m) => m.chatId === chatId)
      .sort((a, b) => b.seq - a.seq)
      .map((m) => ({ ...m, reactions: [...m.reactions].sort((a, b) => a.emoji.localeCompare(b.emoji)) }));
  }

  private previewOf(messageId: string, update: (reply: NonNullable<MessageView['replyTo']>) => void): void {
    for (const m of this.messages.values()) if (m.replyTo?.id === messageId) update(m.replyTo);
  }
}
