// Work the service does by itself beside the requests (releasing expired holds, sealing, giving
// committed transactions their place in the event feed). Each job is safe with several service
// processes on one database by its own locks; this class only runs it every `intervalMs`, one run
// at a time in this process, and waits for a run under way when the service closes. Each run's
// outcome is counted on /metrics under the job's name.

import { countJobRun } from './metrics.js';

export class Recurring {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The last run failed: further failures are not reported again until a run succeeds. */
  private failing = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly run: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Starts the timer; an interval of 0 or less: never. */
  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .then(
          () => {
            countJobRun(this.name, true);
            this.failing = false;
          },
          (err: unknown) => {
            countJobRun(this.name, false);
            if (!this.failing) this.onError(err);
            this.failing = true;
          },
        )
        .finally(() => {
          this.running = null;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
