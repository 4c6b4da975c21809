// What the composer is doing besides writing a new message: answering one ("Replying to …") or editing
// one of one's own ("Editing message"), shown in a bar above it with a cancel button (Escape cancels too).

import { quoteText } from './message-bubble';
import type { Message } from './sdk';

export type ComposerMode =
  | { kind: 'reply'; message: Message }
  /** `draft`: what the composer held before, given back when the edit ends. */
  | { kind: 'edit'; message: Message; draft: string };

export interface ComposerElements {
  bar: HTMLElement;
  title: HTMLElement;
  preview: HTMLElement;
  cancel: HTMLButtonElement;
  composer: HTMLFormElement;
  input: HTMLTextAreaElement;
  send: HTMLButtonElement;
}

export class ComposerContext {
  private current: ComposerMode | null = null;

  constructor(
    private readonly el: ComposerElements,
    private readonly meId: () => string | undefined,
  ) {
    el.cancel.addEventListener('click', () => {
      this.cancel();
      el.input.focus();
    });
    el.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.current) {
        event.preventDefault();
        this.cancel();
      }
    });
  }

  get mode(): ComposerMode | null {
    return this.current;
  }

  /** The message being edited, if any. */
  editing(): Message | null {
    return this.current?.kind === 'edit' ? this.current.message : null;
  }

  reply(message: Message): void {
    this.endEdit();
    this.current = { kind: 'reply', message };
    this.render();
    this.el.input.focus();
  }

  edit(message: Message): void {
    const draft = this.current?.kind === 'edit' ? this.current.draft : this.el.input.value;
    this.current = { kind: 'edit', message, draft };
    this.el.input.value = message.content;
    this.render();
    this.el.input.focus();
    this.el.input.setSelectionRange(message.content.length, message.content.length);
  }

  /** The message the next one answers; the bar closes (give it back with `reply` if sending fails). */
  takeReply(): Message | null {
    if (this.current?.kind !== 'reply') return null;
    const { message } = this.current;
    this.current = null;
    this.render();
    return message;
  }

  /** Leaves a reply or an edit; an edit gives the composer back what it held before. */
  cancel(): void {
    this.endEdit();
    this.current = null;
    this.render();
  }

  /**
   * A message changed (`next`) or is gone from view (null): the bar follows its text, and closes when it
   * can no longer be answered or edited. True when it closed.
   */
  follow(messageId: string, next: Message | null): boolean {
    if (this.current?.message.id !== messageId) return false;
    if (!next || next.deletedAt) {
      this.cancel();
      return true;
    }
    this.current = { ...this.current, message: next };
    this.render();
    return false;
  }

  private endEdit(): void {
    if (this.current?.kind === 'edit') this.el.input.value = this.current.draft;
  }

  private render(): void {
    const { bar, title, preview, cancel, composer, send } = this.el;
    const mode = this.current;
    bar.hidden = !mode;
    composer.classList.toggle('editing', mode?.kind === 'edit');
    send.setAttribute('aria-label', mode?.kind === 'edit' ? 'Save' : 'Send');
    send.textContent = mode?.kind === 'edit' ? '✓' : '➤';
    if (!mode) return;
    const message = mode.message;
    const mine = message.sender.id === this.meId();
    title.textContent =
      mode.kind === 'edit' ? 'Editing message' : `Replying to ${mine ? 'yourself' : message.sender.name}`;
    preview.textContent = quoteText({
      id: message.id,
      senderId: message.sender.id,
      preview: message.content,
      mediaType: message.mediaType,
      deleted: message.deletedAt !== null,
    });
    cancel.setAttribute('aria-label', mode.kind === 'edit' ? 'Cancel edit' : 'Cancel reply');
  }
}
