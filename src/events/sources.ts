import { config } from './configSource.js';
import { entries } from './entrySource.js';
import { holds } from './holdSource.js';
import { records } from './recordSource.js';
import type { EventSource } from './source.js';
import { stock } from './stockSource.js';

export { EventKinds, type EventKind, type ScanRow, type SourcedEvent } from './source.js';

/** Every source, by rank. */
export const SOURCES: readonly EventSource[] = [entries, holds, records, config, stock];
