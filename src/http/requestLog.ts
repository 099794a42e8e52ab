import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

// A request's logger, made when the request first logs at a level the service logs at.
//
// Fastify gives every request a pino child carrying its requestId, and authentication gives it
// another carrying tenantId and keyId. pino builds each child's bindings as JSON text when it is
// made, whether or not anything is logged: two children per request were 4 % of what a member
// read allocated (README "Performance"), on a service that logs at warn and so writes nothing for
// a request that succeeds. Here a child is only its parent's recipe until a line is written; the
// line then comes out of a real pino child, with the same bindings in the same order.

/**
 * Fastify's childLoggerFactory: a child of `root` that pino makes at its first enabled line. A
 * route that sets its own level or serializers gets pino's child at once (the lazy one asks the
 * root whether a level is on).
 */
export function lazyRequestLogger(root: Logger) {
  return (logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger =>
    ownSettings(options) ? logger.child(bindings, options) : new LazyLogger(root, logger, bindings, options);
}

/** A child with a level or serializers of its own: pino's, made at once. */
const ownSettings = (options: ChildLoggerOptions) => options.level !== undefined || options.serializers !== undefined;

// A class, not an object of closures: a request makes two of these, and each must cost less than
// the pino child it stands in for (eight closures each allocated more than pino's child did).
class LazyLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly root: Logger,
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    if (this.made) return this.made;
    // A lazy parent is made first: pino makes this child from it, with its bindings before these.
    const parent = this.parent instanceof LazyLogger ? this.parent.real() : this.parent;
    return (this.made = parent.child(this.bindings, this.options));
  }

  // Once made, the real child decides (its level may have been set); before, the root does.
  private write(level: Level, args: unknown[]): void {
    if (this.made || this.root.isLevelEnabled(level)) (this.real()[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.made?.level ?? this.root.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  fatal(...args: unknown[]) {
    this.write('fatal', args);
  }
  error(...args: unknown[]) {
    this.write('error', args);
  }
  warn(...args: unknown[]) {
    this.write('warn', args);
  }
  info(...args: unknown[]) {
    this.write('info', args);
  }
  debug(...args: unknown[]) {
    this.write('debug', args);
  }
  trace(...args: unknown[]) {
    this.write('trace', args);
  }
  silent() {}

  child(bindings: Bindings, options: ChildLoggerOptions = {}): FastifyBaseLogger {
    // A lazy child of a lazy logger is made from this one's real child, itself made then.
    return ownSettings(options) || this.made
      ? this.real().child(bindings, options)
      : new LazyLogger(this.root, this, bindings, options);
  }
}
