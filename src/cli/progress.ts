import cliProgress from 'cli-progress';

// Progress of long CLI commands (migrate, verify, demo, export): a bar on stderr when a person
// watches a terminal, nothing at all when stderr is piped or captured, so stdout stays the JSON
// result and logs stay clean. CLI_PROGRESS=always|never overrides the guess (auto).

export interface Progress {
  /** One more unit of work done (or `n`); `step` names what is being done now. */
  tick(n?: number, step?: string): void;
  /** Names the current step without counting it done. */
  step(step: string): void;
  /** The total, when it is only known after the bar started. */
  setTotal(total: number): void;
  /** Ends the bar and leaves the line; safe to call twice. */
  stop(): void;
}

const quiet: Progress = { tick() {}, step() {}, setTotal() {}, stop() {} };

/** Whether progress is drawn on `stream`: a terminal (not TERM=dumb), unless CLI_PROGRESS says otherwise. */
export function progressShown(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  const setting = env.CLI_PROGRESS ?? 'auto';
  if (setting === 'never') return false;
  if (setting === 'always') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/**
 * Starts a bar titled `title` counting to `total` (0 when unknown yet: call setTotal). Returns a
 * no-op when progress is not shown, so callers never test for a terminal themselves.
 */
export function startProgress(title: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!progressShown(stream)) return quiet;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${title} [{bar}] {value}/{total} {step}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      // Forced on (CLI_PROGRESS=always) a pipe is drawn to as well, one line per redraw.
      noTTYOutput: !stream.isTTY,
      notTTYSchedule: 1000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { step: '' });
  let stopped = false;
  return {
    tick: (n = 1, step) => bar.increment(n, step === undefined ? {} : { step }),
    step: (step) => bar.update({ step }),
    setTotal: (t) => bar.setTotal(t),
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.update({ step: '' });
      bar.stop();
    },
  };
}

/** Runs `fn` with a bar that is stopped however `fn` ends (a failure must not leave the cursor hidden). */
export async function withProgress<T>(title: string, total: number, fn: (progress: Progress) => Promise<T>): Promise<T> {
  const progress = startProgress(title, total);
  try {
    return await fn(progress);
  } finally {
    progress.stop();
  }
}
