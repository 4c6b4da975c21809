// Choosing people (for a new group, or to add to one): the same lookup as "Find people" (name or email),
// the people one already chats with, or a user id pasted as it is. The chosen ones show as chips.

import { h } from './dom';
import { avatar, findPeople, isUserId } from './people';
import type { PublicUser } from './sdk';

export interface PickerOptions {
  /** Unique per picker on the page: the ids of its input and lists. */
  id: string;
  /** People one already chats with, offered before anything is typed. */
  known(): PublicUser[];
  /** Who cannot be picked here (oneself, the group's members). */
  excluded(): Set<string>;
}

export class PeoplePicker {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private readonly chips: HTMLUListElement;
  private readonly chosen = new Map<string, PublicUser>();
  private timer: number | undefined;
  private asked = 0;

  constructor(private readonly options: PickerOptions) {
    const inputId = `${options.id}-input`;
    this.input = h('input', {
      id: inputId,
      type: 'search',
      autocomplete: 'off',
      placeholder: 'Name, email or user id',
    });
    this.results = h('ul', { class: 'list picker-results', 'aria-label': 'People to add' });
    this.chips = h('ul', { class: 'chips', 'aria-label': 'Chosen people' });
    this.element = h(
      'div',
      { class: 'picker' },
      h('label', { for: inputId }, 'Search for people to add'),
      this.input,
      this.chips,
      this.results,
    );
    this.input.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.refresh(), 250);
    });
    this.input.addEventListener('keydown', (event) => {
      // Enter looks up now, and does not submit the form around the picker.
      if (event.key !== 'Enter') return;
      event.preventDefault();
      clearTimeout(this.timer);
      void this.refresh();
    });
  }

  selected(): PublicUser[] {
    return [...this.chosen.values()];
  }

  reset(): void {
    this.chosen.clear();
    this.input.value = '';
    this.renderChips();
    void this.refresh();
  }

  focus(): void {
    this.input.focus();
  }

  /** The offers for what is typed: people found, or a pasted id, or (nothing typed) known people. */
  async refresh(): Promise<void> {
    const q = this.input.value.trim();
    const asked = ++this.asked;
    let people: PublicUser[];
    let error: string | null = null;
    if (!q) people = this.options.known();
    else {
      try {
        people = await findPeople(q);
      } catch (e) {
        people = [];
        error = e instanceof Error ? e.message : String(e);
      }
      if (isUserId(q) && !people.some((p) => p.id.toLowerCase() === q.toLowerCase())) {
        people.unshift({ id: q.toLowerCase(), name: `User ${q.slice(0, 8)}`, avatar: null });
      }
    }
    if (asked !== this.asked) return;
    const excluded = this.options.excluded();
    const offers = people.filter((p) => !excluded.has(p.id) && !this.chosen.has(p.id));
    const empty = error ?? (q ? 'Nobody found' : 'Search for people by name or email, or paste a user id');
    this.results.replaceChildren(
      ...(offers.length === 0
        ? [h('li', { class: error ? 'error' : 'muted small' }, empty)]
        : offers.map((person) => {
            const button = h(
              'button',
              { type: 'button', class: 'person', 'aria-label': `Add ${person.name}` },
              avatar(person.name, person.avatar),
              person.name,
            );
            button.addEventListener('click', () => this.choose(person));
            return h('li', {}, button);
          })),
    );
  }

  private choose(person: PublicUser): void {
    this.chosen.set(person.id, person);
    this.renderChips();
    void this.refresh();
    this.input.focus();
  }

  private renderChips(): void {
    this.chips.replaceChildren(
      ...this.selected().map((person) => {
        const remove = h(
          'button',
          { type: 'button', class: 'chip-remove', 'aria-label': `Remove ${person.name}` },
          '×',
        );
        remove.addEventListener('click', () => {
          this.chosen.delete(person.id);
          this.renderChips();
          void this.refresh();
          this.input.focus();
        });
        return h('li', { class: 'chip' }, h('span', {}, person.name), remove);
      }),
    );
  }
}
