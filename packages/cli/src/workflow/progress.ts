import type { PublishProgress } from './publish.js';
import { formatBytes } from './read-repo.js';

/**
 * Upload progress on stderr: a line rewritten in place on a terminal, or (with
 * `--progress` and no terminal, as in CI logs) a plain line at most every 10%.
 * Silent otherwise, so piped output stays clean.
 */
export function progressReporter(opts: { enabled: boolean; tty: boolean; write: (s: string) => void }): { onProgress: (p: PublishProgress) => void; end: () => void } {
  if (!opts.enabled) return { onProgress: () => undefined, end: () => undefined };
  let lastDecile = -1;
  let drawn = false;
  return {
    onProgress: (p) => {
      const text = `uploading ${p.done}/${p.total} files (${formatBytes(p.bytes)})`;
      if (opts.tty) {
        opts.write(`\r${text}\x1b[K`);
        drawn = true;
        return;
      }
      const decile = Math.floor((p.done / Math.max(1, p.total)) * 10);
      if (decile !== lastDecile || p.done === p.total) {
        lastDecile = decile;
        opts.write(`${text}\n`);
      }
    },
    end: () => {
      if (drawn) opts.write('\n');
    },
  };
}
