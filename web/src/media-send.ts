// Uploads (a chosen file, or a recorded voice note) with their progress shown above the composer, each
// sent as a media message once uploaded.
import type { ChatClient, MediaType } from '@live-chat/client';
import { friendlyError } from './message-actions';

export interface MediaSendElements {
  bar: HTMLElement;
  progress: HTMLProgressElement;
  stop: HTMLButtonElement;
  attach: HTMLButtonElement;
}

export interface MediaSendHooks {
  chatId(): string | null;
  /** The text typed, and the message answered, sent along with the media. */
  caption(): { content: string; replyToId?: string };
  status(text: string): void;
}

export class MediaSend {
  private recorder: MediaRecorder | null = null;

  constructor(
    private readonly client: ChatClient,
    private readonly el: MediaSendElements,
    private readonly hooks: MediaSendHooks,
  ) {
    el.stop.addEventListener('click', () => this.recorder?.stop());
  }

  async upload(file: Blob, filename: string, type?: MediaType): Promise<void> {
    const chatId = this.hooks.chatId();
    if (!chatId) return;
    this.el.bar.hidden = false;
    this.el.progress.value = 0;
    this.hooks.status(`Uploading ${filename}…`);
    try {
      const media = await this.client.upload(
        { data: file, filename },
        { onProgress: (sent, total) => (this.el.progress.value = total ? (100 * sent) / total : 0) },
      );
      this.client.send(
        { chatId },
        { ...this.hooks.caption(), mediaUrl: media.url, mediaType: type ?? media.mediaType },
      );
      this.hooks.status('');
    } catch (error) {
      this.hooks.status(`Upload failed: ${friendlyError(error)}`);
    } finally {
      this.el.bar.hidden = true;
    }
  }

  recording(): boolean {
    return this.recorder !== null;
  }

  async record(): Promise<void> {
    if (this.recorder) return;
    if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
      this.hooks.status('Recording needs a browser with MediaRecorder, on https or localhost.');
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const mimeType = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) =>
        MediaRecorder.isTypeSupported(t),
      );
      const active = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
      const chunks: Blob[] = [];
      active.addEventListener('dataavailable', (event) => chunks.push(event.data));
      active.addEventListener('stop', () => {
        for (const track of stream.getTracks()) track.stop();
        this.recorder = null;
        this.showRecording(false);
        const type = active.mimeType || 'audio/webm';
        const extension = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm';
        void this.upload(new Blob(chunks, { type }), `voice-note.${extension}`, 'AUDIO');
      });
      // "Stop and send" shows only once the recorder really runs, or a quick stop would send nothing.
      active.addEventListener('start', () => this.showRecording(true));
      this.recorder = active;
      active.start();
    } catch (error) {
      this.hooks.status(`Cannot record: ${friendlyError(error)}`);
    }
  }

  private showRecording(on: boolean): void {
    this.el.stop.hidden = !on;
    this.el.attach.disabled = on;
    this.hooks.status(on ? 'Recording…' : '');
    if (on) this.el.stop.focus();
  }
}
