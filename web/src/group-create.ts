// "New group": a title and the first members, then POST /api/chats; the new group opens.
import type { ChatView } from '@live-chat/client';
import { h } from './dom';
import { PeoplePicker } from './people-picker';
import { type PublicUser, sdk } from './sdk';

export interface GroupCreateOptions {
  known(): PublicUser[];
  meId(): string | undefined;
  /** The group exists: show it; `notice` says who could not be added, if anyone. */
  created(chat: ChatView, notice: string): void;
}

export function setupGroupCreate(button: HTMLButtonElement, options: GroupCreateOptions): void {
  const title = h('input', {
    id: 'group-create-title-input',
    name: 'title',
    required: true,
    maxlength: 100,
    autocomplete: 'off',
    'aria-describedby': 'group-create-title-error',
  });
  const titleError = h('p', { id: 'group-create-title-error', class: 'field-error' });
  title.addEventListener('input', () => {
    titleError.textContent = '';
    title.removeAttribute('aria-invalid');
  });
  const picker = new PeoplePicker({
    id: 'group-create-people',
    known: options.known,
    excluded: () => new Set([options.meId() ?? '']),
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const submit = h('button', { type: 'submit' }, 'Create group');
  const form = h(
    'form',
    { class: 'dialog-body', novalidate: true },
    h('h2', { id: 'group-create-heading' }, 'New group'),
    h('label', { class: 'field' }, 'Group title', title),
    titleError,
    picker.element,
    error,
    h('div', { class: 'row dialog-actions' }, cancel, submit),
  );
  const dialog = h('dialog', { class: 'panel-dialog', 'aria-labelledby': 'group-create-heading' }, form);
  document.body.append(dialog);

  button.addEventListener('click', () => {
    title.value = '';
    titleError.textContent = '';
    error.textContent = '';
    picker.reset();
    dialog.showModal();
    title.focus();
  });
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = title.value.trim();
    if (!name) {
      titleError.textContent = 'Give the group a title.';
      title.setAttribute('aria-invalid', 'true');
      title.focus();
      return;
    }
    const people = picker.selected();
    submit.disabled = true;
    error.textContent = '';
    try {
      const chat = await sdk().api.createGroup({ title: name, memberIds: people.map((p) => p.id) });
      const { notAdded, ...view } = chat;
      const names = people.filter((p) => notAdded.includes(p.id)).map((p) => p.name);
      dialog.close();
      options.created(
        view,
        names.length ? `Not added (they cannot be added by you): ${names.join(', ')}` : '',
      );
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      submit.disabled = false;
    }
  });
}
