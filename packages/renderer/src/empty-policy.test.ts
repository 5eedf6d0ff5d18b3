import { describe, expect, it } from 'vitest';
import { applyEmptyPolicy, type HeldValue } from './empty-policy.js';

const GRACE = 30_000;
describe('applyEmptyPolicy', () => {
  it.each<[string, HeldValue<string> | undefined, string[], number, Partial<ReturnType<typeof applyEmptyPolicy<string>>>]>([
    ['first answer empty: renders empty', undefined, [], 0, { value: [], started: false }],
    ['never had instances: renders empty', { value: [] }, [], 1000, { value: [], started: false }],
    ['had instances, answers empty: held', { value: ['a', 'b'] }, [], 1000, { value: ['a', 'b'], started: true, heldSince: 1000, expiresAt: 31_000 }],
    ['still empty within grace: still held, not counted again', { value: ['a'], heldSince: 1000 }, [], 20_000, { value: ['a'], started: false, heldSince: 1000, expiresAt: 31_000 }],
    ['still empty after grace: renders empty', { value: ['a'], heldSince: 1000 }, [], 31_000, { value: [], started: false }],
    ['instances come back during hold: new instances', { value: ['a'], heldSince: 1000 }, ['c'], 5000, { value: ['c'], started: false }],
    ['non-empty change: passes through', { value: ['a', 'b'] }, ['a'], 0, { value: ['a'], started: false }],
  ])('%s', (_name, previous, incoming, now, expected) => {
    expect(applyEmptyPolicy(previous, incoming, now, GRACE)).toEqual(expected);
  });

  it('grace 0 turns the hold off', () => {
    expect(applyEmptyPolicy({ value: ['a'] }, [], 0, 0)).toEqual({ value: [], started: false });
  });
});
