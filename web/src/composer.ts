// Writing: a new message (with the media URL of the attach menu and the message it answers) goes to the
// SDK's outbox, which shows it at once and keeps trying; an edit is saved; typing is told to the others.
import type { ChatClient } from '@live-chat/client';
import type { AttachMenu } from './attach-menu';
import type { ComposerContext } from './composer-context';
import { friendlyError } from './message-actions';
import type { Message } from './sdk';

export interface ComposerParts {
  form: HTMLFormElement;
  input: HTMLTextAreaElement;
  send: HTMLButtonElement;
  context: ComposerContext;
  attach: AttachMenu;
}

export interface ComposerHooks {
  chatId(): string | null;
  status(text: string): void;
}

// Typing is said again at most this often while typing goes on, and "stopped" after this long a pause.
const TYPING_REPEAT_MS = 3000;
const TYPING_PAUSE_MS = 2500;

export class Composer {
  private typingSentAt = 0;
  private typingTimer: number | undefined;

  constructor(
    private readonly client: ChatClient,
    private readonly parts: ComposerParts,
    private readonly hooks: ComposerHooks,
  ) {
    const { form, input } = parts;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener('input', () => {
      this.grow();
      this.typing();
    });
  }

  /** The text to send with an upload (and the message it answers); the composer is cleared. */
  caption(): { content: string; replyToId?: string } {
    const content = this.parts.input.value.trim();
    const replyTo = this.parts.context.takeReply();
    this.parts.input.value = '';
    this.grow();
    return { content, ...(replyTo ? { replyToId: replyTo.id } : {}) };
  }

  stopTyping(): void {
    window.clearTimeout(this.typingTimer);
    const chatId = this.hooks.chatId();
    if (this.typingSentAt && chatId) this.client.typing({ chatId }, false).catch(() => {});
    this.typingSentAt = 0;
  }

  private async submit(): Promise<void> {
    const { input, context, attach } = this.parts;
    const chatId = this.hooks.chatId();
    if (!chatId) return;
    const content = input.value.trim();
    const editing = context.editing();
    if (editing) return this.saveEdit(editing, content);
    const media = attach.takeUrl();
    if (media === false || (!content && !media)) return;
    this.stopTyping();
    const replyTo = context.takeReply();
    // Cleared now: the outbox shows the message at once and sends it whenever it can.
    input.value = '';
    this.grow();
    this.client.send(
      { chatId },
      { content, ...(media ?? {}), ...(replyTo ? { replyToId: replyTo.id } : {}) },
    );
    this.hooks.status('');
  }

  private async saveEdit(message: Message, content: string): Promise<void> {
    const { context, send } = this.parts;
    if (content === message.content) {
      context.cancel();
      return;
    }
    if (!content && !message.mediaUrl) {
      this.hooks.status('A message cannot be empty. To remove it, delete it instead.');
      return;
    }
    send.disabled = true;
    try {
      await this.client.edit(message.id, content);
      if (context.editing()?.id === message.id) context.cancel();
      this.hooks.status('');
    } catch (error) {
      this.hooks.status(friendlyError(error));
    } finally {
      send.disabled = false;
    }
  }

  private typing(): void {
    const chatId = this.hooks.chatId();
    if (!chatId || this.client.state !== 'live') return;
    if (Date.now() - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingSentAt = Date.now();
      this.client.typing({ chatId }, true).catch(() => {});
    }
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(() => this.stopTyping(), TYPING_PAUSE_MS);
  }

  /** The text box grows with its text, up to a few lines (then it scrolls). */
  private grow(): void {
    const { input } = this.parts;
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }
}
