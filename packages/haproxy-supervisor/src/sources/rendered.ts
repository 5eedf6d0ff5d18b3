import { CurrentSource, type CurrentPointer } from '@api-server/core';

/** What `rendered/current` names. */
export type RenderedPointer = CurrentPointer;

/** `rendered/current` as a Source for core's watch loop: core's `current`-symlink source, named for logs. */
export class RenderedSource extends CurrentSource {
  constructor(root: string, pollMs = 1000) {
    super(root, { pollMs, label: 'rendered' });
  }
}
