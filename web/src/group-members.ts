// A group's member list (GET /api/chats/:chatId/members, page after page), kept current by the live
// events; each other member has a menu: block or unblock, and what this user's role allows.
import type { ChatRole, MemberView } from '../../src/contract/views.js';
import { isBlocked } from './blocks';
import { h } from './dom';
import { avatar } from './people';
import { blockItem, type PersonMenuItem, personMenuButton } from './person-menu';
import { sdk } from './sdk';

export interface MemberActions {
  meId(): string | undefined;
  /** This user's role in the group (null once no longer a member). */
  myRole(): ChatRole | null;
  remove(member: MemberView): Promise<void>;
  setRole(member: MemberView, role: 'admin' | 'member'): Promise<void>;
  makeOwner(member: MemberView): Promise<void>;
  report(error: unknown): void;
}

const ROLE_TEXT: Record<ChatRole, string> = { owner: 'Owner', admin: 'Admin', member: '' };

export class MemberList {
  readonly element = h('ul', { class: 'list members', 'aria-label': 'Members' });
  private members = new Map<string, MemberView>();
  private chatId: string | null = null;

  constructor(private readonly actions: MemberActions) {}

  ids(): Set<string> {
    return new Set(this.members.keys());
  }

  async load(chatId: string): Promise<void> {
    this.chatId = chatId;
    this.members = new Map();
    this.render();
    let cursor: string | null = null;
    do {
      const page = await sdk().api.members(chatId, { limit: 100, ...(cursor ? { cursor } : {}) });
      if (this.chatId !== chatId) return;
      for (const member of page.items) this.members.set(member.user.id, member);
      cursor = page.nextCursor;
    } while (cursor);
    this.render();
  }

  roleChanged(userId: string, role: ChatRole): void {
    const member = this.members.get(userId);
    if (member) this.members.set(userId, { ...member, role });
    this.render();
  }

  render(): void {
    const meId = this.actions.meId();
    this.element.replaceChildren(
      ...[...this.members.values()].map((member) => {
        const me = member.user.id === meId;
        const blocked = isBlocked(member.user.id);
        const role = ROLE_TEXT[member.role];
        return h(
          'li',
          { class: 'member', 'data-user-id': member.user.id, 'data-role': member.role },
          avatar(member.user.name, member.user.avatar),
          h(
            'span',
            { class: 'member-text' },
            h('span', { class: 'member-name' }, me ? `${member.user.name} (you)` : member.user.name),
            role || blocked
              ? h(
                  'span',
                  { class: 'member-tags' },
                  [role, blocked ? 'Blocked' : ''].filter(Boolean).join(' · '),
                )
              : null,
          ),
          me ? null : personMenuButton(member.user, () => this.itemsFor(member)),
        );
      }),
    );
  }

  private itemsFor(member: MemberView): PersonMenuItem[] {
    const { actions } = this;
    const mine = actions.myRole();
    const items: PersonMenuItem[] = [blockItem(member.user, actions.report)];
    const run = (action: () => Promise<void>) => () => action().catch(actions.report);
    if (mine === 'owner') {
      if (member.role === 'member')
        items.push({
          label: `Make ${member.user.name} an admin`,
          run: run(() => actions.setRole(member, 'admin')),
        });
      if (member.role === 'admin')
        items.push({
          label: `Remove ${member.user.name} as admin`,
          run: run(() => actions.setRole(member, 'member')),
        });
      items.push({ label: `Make ${member.user.name} the owner`, run: run(() => actions.makeOwner(member)) });
    }
    if (mine === 'owner' || (mine === 'admin' && member.role === 'member')) {
      items.push({
        label: `Remove ${member.user.name} from the group`,
        danger: true,
        run: run(() => actions.remove(member)),
      });
    }
    return items;
  }
}
