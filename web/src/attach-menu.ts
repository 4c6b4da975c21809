// The composer's one attach button: a menu of a media URL (a bar above the composer, sent with the text),
// a file upload (with its progress) and a voice note (recorded until "Stop and send").
import { moveMenuFocus } from './menu-keys';
import { mediaUrlOf } from './urls';

export interface AttachElements {
  button: HTMLButtonElement;
  menu: HTMLElement;
  urlBar: HTMLElement;
  url: HTMLInputElement;
  type: HTMLSelectElement;
  urlCancel: HTMLButtonElement;
  urlError: HTMLElement;
  file: HTMLInputElement;
}

export interface AttachHooks {
  /** A file was chosen. */
  upload(file: File): void;
  /** "Record voice note" was chosen. */
  record(): void;
}

export class AttachMenu {
  constructor(
    private readonly el: AttachElements,
    hooks: AttachHooks,
  ) {
    el.button.addEventListener('click', () => (el.menu.hidden ? this.open() : this.close(true)));
    el.button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        this.open();
      }
    });
    el.menu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' || event.key === 'Tab') {
        if (event.key === 'Escape') event.preventDefault();
        this.close(event.key === 'Escape');
        return;
      }
      moveMenuFocus(event, this.items());
    });
    el.menu.addEventListener('click', (event) => {
      const choice = (event.target as HTMLElement).closest<HTMLElement>('[data-attach]')?.dataset.attach;
      if (!choice) return;
      this.close(false);
      if (choice === 'url') this.showUrl();
      else if (choice === 'file') el.file.click();
      else hooks.record();
    });
    document.addEventListener('pointerdown', (event) => {
      const target = event.target as Node;
      if (!el.menu.hidden && !el.menu.contains(target) && !el.button.contains(target)) this.close(false);
    });
    el.file.addEventListener('change', () => {
      const file = el.file.files?.[0];
      el.file.value = '';
      if (file) hooks.upload(file);
    });
    el.urlCancel.addEventListener('click', () => {
      this.clearUrl();
      el.button.focus();
    });
    el.url.addEventListener('input', () => {
      el.urlError.textContent = '';
    });
  }

  private items(): HTMLElement[] {
    return [...this.el.menu.querySelectorAll<HTMLElement>('[role="menuitem"]')];
  }

  open(): void {
    this.el.menu.hidden = false;
    this.el.button.setAttribute('aria-expanded', 'true');
    this.items()[0]?.focus();
  }

  close(restoreFocus: boolean): void {
    this.el.menu.hidden = true;
    this.el.button.setAttribute('aria-expanded', 'false');
    if (restoreFocus) this.el.button.focus();
  }

  showUrl(): void {
    this.el.urlBar.hidden = false;
    this.el.url.focus();
  }

  /** The media URL to send with the text: null when there is none; false (said at the field) when bad. */
  takeUrl(): { mediaUrl: string; mediaType?: 'VIDEO' | 'AUDIO' } | null | false {
    const mediaUrl = this.el.url.value.trim();
    if (this.el.urlBar.hidden || !mediaUrl) return null;
    if (!mediaUrlOf(mediaUrl, location.origin)) {
      this.el.urlError.textContent = 'Paste a link that starts with https:// or http://';
      this.el.url.focus();
      return false;
    }
    const type = this.el.type.value;
    this.clearUrl();
    return { mediaUrl, ...(type === 'VIDEO' || type === 'AUDIO' ? { mediaType: type } : {}) };
  }

  hasUrl(): boolean {
    return !this.el.urlBar.hidden && this.el.url.value.trim() !== '';
  }

  clearUrl(): void {
    this.el.url.value = '';
    this.el.type.value = '';
    this.el.urlError.textContent = '';
    this.el.urlBar.hidden = true;
  }
}
