import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import t from 'tap';
import { README, SCRIPT, scriptParts, syncedReadme } from '../scripts/readme-walkthrough.js';

// The README's walkthrough is scripts/walkthrough.sh, part by part, word for word: this fails when
// one was edited without the other (`node --import tsx scripts/readme-walkthrough.ts` copies the
// script's parts into the README). .ci/run runs the script itself against a started service.

t.test('every part of scripts/walkthrough.sh is shown in README.md as it is', async (t) => {
  const script = fs.readFileSync(SCRIPT, 'utf8');
  const readme = fs.readFileSync(README, 'utf8');
  const parts = scriptParts(script);
  t.ok(parts.size >= 10, `the script has its parts (${parts.size})`);
  const { text, problems } = syncedReadme(readme, script);
  t.same(problems, [], 'every part shown, every README block a part');
  t.ok(text === readme, 'README.md shows the parts exactly as the script has them');
});

t.test('the script parses, and every step checks its answer', async (t) => {
  execFileSync('bash', ['-n', SCRIPT]);
  t.pass('bash -n');
  const lines = fs.readFileSync(SCRIPT, 'utf8').split('\n');
  const calls = lines.map((l, i) => [l, i] as const).filter(([l]) => /^api /.test(l));
  t.ok(calls.length >= 30, `${calls.length} calls`);
  for (const [line, i] of calls) {
    // The call may run over several lines (a JSON body); the next line starting a command is its expect.
    const next = lines.slice(i + 1).find((l) => /^\S/.test(l) && !/^ /.test(l) && !l.startsWith('"') && !l.startsWith('#'));
    t.match(next, /^expect \d{3}/, `checked: ${line.slice(0, 60)}`);
  }
});
