import fs from 'node:fs';
import path from 'node:path';

// The README shows the walkthrough script's steps word for word: each part of
// scripts/walkthrough.sh between `# readme: <name>` and `# readme: end` is the code block that
// follows `<!-- walkthrough: <name> -->` in README.md. `node --import tsx scripts/readme-walkthrough.ts`
// rewrites the README's blocks from the script; `--check` exits 1 when they differ (a test does the same).

const ROOT = path.resolve(import.meta.dirname, '..');
export const SCRIPT = path.join(ROOT, 'scripts', 'walkthrough.sh');
export const README = path.join(ROOT, 'README.md');

const PART = /^# readme: ([a-z-]+)\n([\s\S]*?)\n# readme: end$/gm;
const BLOCK = /(<!-- walkthrough: ([a-z-]+) -->\n```sh\n)([\s\S]*?)(^```$)/gm;

export function scriptParts(script: string): Map<string, string> {
  return new Map([...script.matchAll(PART)].map((m) => [m[1]!, m[2]!]));
}

/** The README with every walkthrough block replaced by the script's part of that name. */
export function syncedReadme(readme: string, script: string): { text: string; problems: string[] } {
  const parts = scriptParts(script);
  const problems: string[] = [];
  const shown = new Set<string>();
  const text = readme.replace(BLOCK, (all, open: string, name: string, _body: string, close: string) => {
    const part = parts.get(name);
    if (part === undefined) {
      problems.push(`README block "${name}" has no part in scripts/walkthrough.sh`);
      return all;
    }
    shown.add(name);
    return `${open}${part}\n${close}`;
  });
  for (const name of parts.keys()) if (!shown.has(name)) problems.push(`part "${name}" of scripts/walkthrough.sh is not shown in README.md`);
  return { text, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const readme = fs.readFileSync(README, 'utf8');
  const { text, problems } = syncedReadme(readme, fs.readFileSync(SCRIPT, 'utf8'));
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (process.argv.includes('--check')) {
    if (text !== readme) process.stderr.write('README.md differs from scripts/walkthrough.sh: run `node --import tsx scripts/readme-walkthrough.ts`\n');
    process.exit(text === readme && problems.length === 0 ? 0 : 1);
  }
  fs.writeFileSync(README, text);
  process.exit(problems.length === 0 ? 0 : 1);
}
