import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';

// Files are cut by responsibility and stay short enough to read at once: none in src is longer
// than MAX_LINES, except the one list of wire error codes.

const SRC = path.resolve(import.meta.dirname, '..', 'src');
const MAX_LINES = 300;
const EXCEPTIONS = new Set(['problems.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

t.test(`no file in src is longer than ${MAX_LINES} lines (the error-code list aside)`, async (t) => {
  const files = sources(SRC);
  t.ok(files.length > 50, `read ${files.length} files`);
  const lines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').length - (fs.readFileSync(f, 'utf8').endsWith('\n') ? 1 : 0);
  const long = files
    .map((f) => ({ file: path.relative(SRC, f), lines: lines(f) }))
    .filter((f) => f.lines > MAX_LINES && !EXCEPTIONS.has(f.file));
  t.same(long, [], 'files over the limit');
  t.ok(lines(path.join(SRC, 'problems.ts')) > MAX_LINES, 'the exception is still needed (else drop it)');
});
