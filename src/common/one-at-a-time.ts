/**
 * A piece of background work that never overlaps itself: `run()` starts it unless a run is under way, and
 * returns the run under way either way. A failed run is reported to `onError` and settles; the next one
 * starts afresh.
 */
export class OneAtATime {
  private current: Promise<void> | null = null;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  run(): Promise<void> {
    this.current ??= this.work()
      .catch(this.onError)
      .finally(() => {
        this.current = null;
      });
    return this.current;
  }

  /** Resolves when the run under way (if any) has settled. */
  async settled(): Promise<void> {
    await this.current;
  }
}
