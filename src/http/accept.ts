// Content negotiation the routes share: how much a client's Accept header wants a media type.

/** The q of a media type in an Accept header (0 when it is not named). */
export function qualityOf(accept: string, type: string): number {
  for (const range of accept.split(',')) {
    const [name, ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (name !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    return q ? Number(q.slice(2)) || 0 : 1;
  }
  return 0;
}
