import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ClientConfig, ClientResult } from './client.js';
import { onCleanup } from './cleanup.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Runs bench/client.ts in a child process with `config`; resolves with its JSON result. */
export function runClient(config: ClientConfig): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'client.ts')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const forget = onCleanup(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      forget();
      if (code !== 0) return reject(new Error(`bench client exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out) as ClientResult);
      } catch {
        reject(new Error(`bench client printed no result: ${out.slice(0, 500)}`));
      }
    });
    child.stdin.end(JSON.stringify(config));
  });
}
