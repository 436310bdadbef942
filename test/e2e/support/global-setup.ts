/**
 * Runs once before the end-to-end tier: without moto the whole tier stops here with one message
 * that says how to get it, instead of every test file failing on its own (and never skipping).
 */
import { execFile } from 'node:child_process';
import { MOTO_NOT_INSTALLED } from '../../support/moto-server';

export default async function requireMoto(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    // moto.server needs the server extras; importing moto alone would pass without them.
    execFile('python3', ['-c', 'import moto, moto.server'], { timeout: 60_000 }, (error) => {
      if (error) reject(new Error(MOTO_NOT_INSTALLED));
      else resolve();
    });
  });
}
