// "Turn on notifications" / "Turn off notifications" for this device, with a line that says where it
// stands: on, off, blocked by the browser, not supported here, or why turning it on or off failed.
import { ChatError } from '@live-chat/client';
import {
  dropBrowserSubscription,
  type PushState,
  pushState,
  pushUnsupported,
  resendSubscription,
  turnOffPush,
  turnOnPush,
} from './push';

type Shown = PushState | 'busy' | 'failed';

const TEXT: Record<PushState, string> = {
  on: 'Notifications are on for this device.',
  off: 'Notifications are off on this device.',
  blocked: 'Notifications are blocked by the browser. Allow them in the site settings, then turn them on.',
  unsupported: 'This browser cannot show notifications from this app.',
};

export interface PushToggleElements {
  area: HTMLElement;
  button: HTMLButtonElement;
  state: HTMLElement;
}

export class PushToggle {
  private current: PushState = 'off';
  private busy = false;

  constructor(private readonly el: PushToggleElements) {
    el.button.addEventListener('click', () => void this.toggle());
    // Allowed or blocked again in the browser's settings while the page is open.
    void navigator.permissions
      ?.query({ name: 'notifications' })
      .then((status) => status.addEventListener('change', () => void this.refresh()))
      .catch(() => {});
  }

  /** Signed in: the state as the browser has it; a subscription it keeps goes to the server again. */
  async signedIn(): Promise<void> {
    await this.refresh();
    if (this.current !== 'on') return;
    try {
      await resendSubscription();
    } catch (error) {
      this.show('failed', `Notifications may not reach this device: ${reason(error)}`);
    }
  }

  /** Signed out: this browser stops getting pushes. */
  async signedOut(): Promise<void> {
    await dropBrowserSubscription().catch(() => {});
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (this.busy) return;
    const state = await pushState().catch((): PushState => 'off');
    this.current = state;
    this.show(state);
  }

  private async toggle(): Promise<void> {
    if (this.busy) return;
    const turningOn = this.current !== 'on';
    this.busy = true;
    this.show('busy', turningOn ? 'Turning on notifications…' : 'Turning off notifications…');
    try {
      this.current = turningOn ? await turnOnPush() : await turnOffPush();
      this.busy = false;
      this.show(this.current);
    } catch (error) {
      this.busy = false;
      this.current = await pushState().catch((): PushState => 'off');
      const what = turningOn ? 'turn on' : 'turn off';
      this.show('failed', `Could not ${what} notifications: ${reason(error)}`);
    }
  }

  private show(shown: Shown, text = TEXT[shown as PushState]): void {
    const { area, button, state } = this.el;
    area.dataset.state = shown;
    const unsupported = shown === 'unsupported';
    button.disabled = shown === 'busy' || unsupported;
    button.hidden = unsupported;
    button.textContent = this.current === 'on' ? 'Turn off notifications' : 'Turn on notifications';
    state.textContent = unsupported ? (pushUnsupported() ?? text) : text;
  }
}

/** The server's message, or what the browser's push service said. */
function reason(error: unknown): string {
  if (error instanceof ChatError) return error.message;
  if (error instanceof DOMException) return `the browser's push service refused (${error.message}).`;
  return error instanceof Error ? error.message : String(error);
}
