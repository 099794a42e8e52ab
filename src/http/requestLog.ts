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
    options.level !== undefined || options.serializers !== undefined
      ? logger.child(bindings, options)
      : lazy(root, () => logger.child(bindings, options));
}

function lazy(root: Logger, make: () => FastifyBaseLogger): FastifyBaseLogger {
  let made: FastifyBaseLogger | undefined;
  const real = () => (made ??= make());
  // Once made, the real child decides (its level may have been set); before, the root does.
  const write = (level: Level) => (...args: unknown[]) => {
    if (made || root.isLevelEnabled(level)) (real()[level] as (...a: unknown[]) => void)(...args);
  };
  return {
    get level() {
      return made?.level ?? root.level;
    },
    set level(level: string) {
      real().level = level;
    },
    fatal: write('fatal'),
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    trace: write('trace'),
    silent: () => {},
    child: (bindings: Bindings, options: ChildLoggerOptions = {}): FastifyBaseLogger =>
      options.level !== undefined || options.serializers !== undefined || made
        ? real().child(bindings, options)
        : lazy(root, () => real().child(bindings, options)),
  };
}
