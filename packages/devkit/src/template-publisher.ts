import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { relative } from 'node:path';
import { publishCommand, type CommandIo } from '@api-server/cli';

/** What the dev pod's templates are validated against and published to. */
export interface PublishTarget {
  /** The template tree (a config repository's templates/). */
  templates: string;
  /** `s3://bucket/prefix`, the pod's SOURCE_URL. */
  to: string;
  /** The dev Consul (validation renders against the live catalog, as the renderer will). */
  consulAddr: string;
  nodeName: string;
  /** The renderer's `(env ...)` values (its TEMPLATE_ENV_ALLOW names), so validation sees the pod's binds. */
  templateEnv: Record<string, string>;
  /** S3_ENDPOINT and credentials of the dev S3. */
  s3Env: Record<string, string>;
}

export interface PublishResult {
  ok: boolean;
  /** The release id on success. */
  id: string | undefined;
  /** What `apictl publish` printed (diagnostics with file:line:col on failure). */
  lines: string[];
  ms: number;
}

/**
 * Publishes the template tree to the dev S3 exactly as `apictl publish` does (the
 * CLI's own command, in process): validated against the dev Consul with the pod's
 * env and `haproxy -c`, uploaded as a release, CURRENT flipped. A tree that fails
 * validation uploads nothing, so the pod keeps serving the last good release.
 */
export class TemplatePublisher {
  private watcher: FSWatcher | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly target: PublishTarget) {}

  async publish(): Promise<PublishResult> {
    const started = Date.now();
    const lines: string[] = [];
    const io: CommandIo = { out: (s) => lines.push(s), err: (s) => lines.push(s), errRaw: () => undefined, stderrIsTty: false };
    // apictl reads the S3 endpoint from the environment, like s3-sync: this process's
    // own S3 is the dev s3rver (the pod's containers get their env from their plans).
    Object.assign(process.env, this.target.s3Env);
    // Paths relative to where the engineer runs this, so file:line opens in an editor.
    const shown = relative(process.cwd(), this.target.templates) || '.';
    const args = [
      shown,
      '--consul', this.target.consulAddr,
      '--to', this.target.to,
      '--node-name', this.target.nodeName,
      '--node-ip', '127.0.0.1',
      ...Object.entries(this.target.templateEnv).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      // A working tree, not a commit: no git lookup, no dirty warning on every save.
      '--commit', 'working-tree',
      '--author', 'apictl-dev',
      '--message', 'apictl-dev: templates changed',
    ];
    const code = await publishCommand.run(args, io);
    const id = code === 0 ? lines.find((l) => /^[0-9a-f]{16}$/.test(l)) : undefined;
    return { ok: code === 0, id, lines: lines.filter((l) => l !== id), ms: Date.now() - started };
  }

  /**
   * Publishes after every change under the tree (debounced; one publish at a time, a
   * change during one triggers one more). `report` gets each result.
   */
  async watch(report: (r: PublishResult) => void, debounceMs = 150): Promise<void> {
    const root = await realpath(this.target.templates);
    let timer: NodeJS.Timeout | undefined;
    const kick = () => {
      if (this.running) {
        this.again = true;
        return;
      }
      this.running = (async () => {
        do {
          this.again = false;
          report(await this.publish());
        } while (this.again);
      })().finally(() => (this.running = undefined));
    };
    this.watcher = watch(root, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(kick, debounceMs);
    });
    // The tree removed or unreadable: say so and stop watching; the pod keeps its release.
    this.watcher.on('error', (err) => {
      report({ ok: false, id: undefined, lines: [`${root}: cannot watch any more (${err.message}); restart apictl-dev to resume publishing`], ms: 0 });
      this.watcher?.close();
    });
  }

  async close(): Promise<void> {
    this.watcher?.close();
    await this.running;
  }
}
