// The group info panel: the title (renamed by admins), the members with their menus, adding people
// (admins), and leaving. It follows the live events while it is open.
import type { ChatView } from '@live-chat/client';
import { memberCountText } from './chat-list';
import type { ChatState } from './chat-state';
import { h } from './dom';
import { MemberList } from './group-members';
import { canManage } from './group-state';
import { PeoplePicker } from './people-picker';
import { type PublicUser, sdk } from './sdk';

export interface GroupPanelOptions {
  chat(chatId: string): ChatState | undefined;
  meId(): string | undefined;
  known(): PublicUser[];
  /** The server's view of the chat after a change made here. */
  update(view: ChatView): void;
  /** This user left the group. */
  left(chatId: string): void;
}

const FRIENDLY: Record<string, string> = {
  OWNER_MUST_TRANSFER: 'You own this group: make someone else the owner before you leave.',
  GROUP_FULL: 'The group is full.',
  FORBIDDEN: 'Your role in this group does not allow that.',
  USER_NOT_FOUND: 'That person is not here (or no longer a member).',
};

export class GroupPanel {
  private chatId: string | null = null;
  private readonly heading = h('h2', { id: 'group-panel-heading' });
  private readonly count = h('p', { class: 'muted small' });
  private readonly notice = h('p', { class: 'notice', hidden: true });
  private readonly titleInput = h('input', { id: 'group-title-input', required: true, maxlength: 100 });
  private readonly renameForm: HTMLFormElement;
  private readonly addSection: HTMLElement;
  private readonly status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  private readonly leave = h('button', { type: 'button', class: 'danger-button' }, 'Leave group');
  private readonly dialog: HTMLDialogElement;
  private readonly members: MemberList;
  private readonly picker: PeoplePicker;

  constructor(private readonly options: GroupPanelOptions) {
    const api = () => sdk().api;
    const chatId = () => this.chatId ?? '';
    this.members = new MemberList({
      meId: options.meId,
      myRole: () => this.chat()?.role ?? null,
      report: (error) => this.report(error),
      remove: async (member) => {
        await api().removeMember(chatId(), member.user.id);
        this.say(`${member.user.name} was removed.`);
      },
      setRole: async (member, role) => {
        const view = await api().setRole(chatId(), member.user.id, role);
        this.members.roleChanged(view.user.id, view.role);
      },
      makeOwner: async (member) => {
        if (!window.confirm(`Make ${member.user.name} the owner? You will be an admin.`)) return;
        const view = await api().transferOwner(chatId(), member.user.id);
        this.members.roleChanged(view.owner.user.id, view.owner.role);
        this.members.roleChanged(view.previousOwner.user.id, view.previousOwner.role);
      },
    });
    this.picker = new PeoplePicker({
      id: 'group-add-people',
      known: options.known,
      excluded: () => this.members.ids(),
    });
    this.renameForm = h(
      'form',
      { class: 'rename' },
      h('label', { for: 'group-title-input' }, 'Group title'),
      this.titleInput,
      h('button', { type: 'submit', class: 'secondary' }, 'Rename'),
    );
    const addButton = h('button', { type: 'button' }, 'Add to group');
    this.addSection = h(
      'section',
      { class: 'add-people', 'aria-label': 'Add people' },
      this.picker.element,
      addButton,
    );
    const close = h('button', { type: 'button', class: 'link close', 'aria-label': 'Close group info' }, '✕');
    this.dialog = h(
      'dialog',
      { class: 'panel-dialog group-panel', 'aria-labelledby': 'group-panel-heading' },
      h(
        'div',
        { class: 'dialog-body' },
        h('header', { class: 'panel-header' }, this.heading, close),
        this.count,
        this.notice,
        this.renameForm,
        h('h3', { class: 'list-title' }, 'Members'),
        this.members.element,
        this.addSection,
        this.status,
        this.leave,
      ),
    );
    document.body.append(this.dialog);

    close.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      this.chatId = null;
    });
    this.renameForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const title = this.titleInput.value.trim();
      if (!title) return;
      void this.run(async () => {
        options.update(await api().updateGroup(chatId(), { title }));
        this.say('Renamed.');
      });
    });
    addButton.addEventListener('click', () => {
      const people = this.picker.selected();
      if (people.length === 0) {
        this.say('Choose someone to add first.');
        return;
      }
      void this.run(async () => {
        const result = await api().addMembers(
          chatId(),
          people.map((p) => p.id),
        );
        this.picker.reset();
        const names = (ids: string[]) => people.filter((p) => ids.includes(p.id)).map((p) => p.name);
        const notAdded = names(result.notAdded);
        this.say(
          [
            result.added.length ? `Added ${names(result.added).join(', ')}.` : '',
            notAdded.length ? `Could not add ${notAdded.join(', ')}.` : '',
          ]
            .filter(Boolean)
            .join(' ') || 'They were already members.',
        );
      });
    });
    this.leave.addEventListener('click', () => {
      const leaving = this.chatId;
      if (!leaving || !window.confirm('Leave this group?')) return;
      void this.run(async () => {
        await api().leave(leaving);
        this.dialog.close();
        options.left(leaving);
      });
    });
  }

  isOpenFor(chatId: string): boolean {
    return this.dialog.open && this.chatId === chatId;
  }

  async open(chatId: string): Promise<void> {
    this.chatId = chatId;
    this.status.textContent = '';
    this.picker.reset();
    this.render();
    this.dialog.showModal();
    try {
      await this.members.load(chatId);
    } catch (error) {
      this.report(error);
    }
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  /** The chat changed (title, count, this user's role or membership): draw the panel again. */
  render(): void {
    const chat = this.chat();
    if (!chat) return;
    const manage = canManage(chat);
    this.heading.textContent = chat.title ?? 'Group';
    this.count.textContent = memberCountText(chat.memberCount);
    if (document.activeElement !== this.titleInput) this.titleInput.value = chat.title ?? '';
    this.renameForm.hidden = !manage;
    this.addSection.hidden = !manage;
    this.leave.hidden = !!chat.removed;
    this.notice.hidden = !chat.removed;
    this.notice.textContent = chat.removed ? 'You are no longer a member of this group.' : '';
    this.members.render();
  }

  /** Someone joined, left or changed role: the member list is read again. */
  membersChanged(chatId: string): void {
    if (this.isOpenFor(chatId)) void this.members.load(chatId).catch((error) => this.report(error));
  }

  private chat(): ChatState | undefined {
    return this.chatId ? this.options.chat(this.chatId) : undefined;
  }

  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.report(error);
    }
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private report(error: unknown): void {
    const code = (error as { code?: string }).code;
    this.say((code && FRIENDLY[code]) ?? (error instanceof Error ? error.message : String(error)));
  }
}
