/**
 * The time usrloc and registrar work with: whole seconds since the epoch, like SER's act_time.
 * Injected everywhere expiry matters, so that tests can move time by hand.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

/** A clock for tests: starts at `start` and moves only when told. */
export interface ManualClock {
  readonly clock: Clock;
  now: number;
  advance(seconds: number): void;
}

export function manualClock(start = 1_000_000): ManualClock {
  const m: ManualClock = {
    now: start,
    clock: () => m.now,
    advance: (s) => {
      m.now += s;
    },
  };
  return m;
}
