import { publishVersion, readCurrent, type PublishResult, type VersionFile } from '@api-server/core';

/**
 * `rendered/`: the renderer's one output, `current` -> `releases/<id>/` (core's atomic
 * publish). A new version's change times (`changes.json`) are written before the link
 * swaps, so a supervisor that sees the new `current` finds them.
 */
export class RenderedOutput {
  constructor(
    readonly root: string,
    private readonly keep: number,
  ) {}

  /** The version `current` names, null before the first publish. */
  current(): Promise<{ id: string; dir: string } | null> {
    return readCurrent(this.root);
  }

  /** Publishes `files` as version `id`; `beforeSwap` runs only when `current` does not name it already. */
  publish(files: readonly VersionFile[], id: string, beforeSwap?: () => Promise<void>): Promise<PublishResult> {
    return publishVersion({ root: this.root, keep: this.keep }, files, id, beforeSwap);
  }
}
